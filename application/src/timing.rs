//! How long a request waited on upstream providers, added up in a task-local cell: the inbound adapter opens a
//! scope around the request and the router adds every provider call to it, so the gateway's own time is the
//! request's time less its upstream time. Outside a scope, calls are not added up.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static UPSTREAM: Cell<Duration>;
}

/// Runs `work`, adding up the provider calls made in it; its output and their total.
pub async fn upstream_time<F: Future>(work: F) -> (F::Output, Duration) {
    UPSTREAM
        .scope(Cell::new(Duration::ZERO), async move {
            let output = work.await;
            (output, UPSTREAM.with(Cell::get))
        })
        .await
}

/// Adds a provider call of `elapsed` to the scope the current task runs in, if any.
pub fn add_upstream(elapsed: Duration) {
    let _ = UPSTREAM.try_with(|total| total.set(total.get() + elapsed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_inside_a_scope_add_up_and_calls_outside_are_ignored() {
        add_upstream(Duration::from_millis(5));
        let ((), total) = upstream_time(async {
            add_upstream(Duration::from_millis(20));
            add_upstream(Duration::from_millis(3));
        })
        .await;
        assert_eq!(total, Duration::from_millis(23));
    }
}
