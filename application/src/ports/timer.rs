//! The timer port: waits between retries, so tests can see the waits without spending them.

use std::time::Duration;

use async_trait::async_trait;

/// Waits.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Timer: Send + Sync + 'static {
    /// Returns after `duration`.
    async fn sleep(&self, duration: Duration);
}
