//! The run repository port. Every read is scoped by tenant id.

use ares_domain::{AgentName, Run, TenantId};
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

    /// A page of the tenant's runs of one agent, newest first, and how many there are in all.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn page(
        &self,
        tenant_id: TenantId,
        agent: &AgentName,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Run>, u64), RepoError>;
}
