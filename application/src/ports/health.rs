//! The store probe: which backend serves the data, and whether it answers.

use async_trait::async_trait;

use super::RepoError;

/// Reports on the store behind the repositories.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StoreProbe: Send + Sync + 'static {
    /// `"postgres"` or `"sqlite"`.
    fn backend(&self) -> &'static str;

    /// One cheap round trip to the store.
    ///
    /// # Errors
    /// `RepoError::Unexpected` when the store does not answer.
    async fn ping(&self) -> Result<(), RepoError>;
}
