//! The run repository port. Every read is scoped by tenant id.

use ares_domain::Run;
use async_trait::async_trait;

use super::RepoError;

/// Stores agent runs.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RunRepository: Send + Sync + 'static {
    /// Stores a run.
    ///
    /// # Errors
    /// `Unexpected` when the store fails (a run of an unknown tenant included).
    async fn insert(&self, run: &Run) -> Result<(), RepoError>;
}
