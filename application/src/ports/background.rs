//! The background port: work that must finish even though nobody waits for it (the record of a request whose
//! client went away, the end of a stream). Shutdown waits for every task spawned here, so SIGTERM never loses a
//! record.

use futures_util::future::BoxFuture;

/// Runs tracked background tasks.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Background: Send + Sync + 'static {
    /// Runs `task` to its end in the background; the server's shutdown waits for it.
    fn spawn(&self, task: BoxFuture<'static, ()>);
}
