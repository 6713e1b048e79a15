//! The run repository port. Every read is scoped by tenant id.

use ares_domain::{AgentName, Run, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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

    /// The figures of every run of the tenant's agent.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn stats(&self, tenant_id: TenantId, agent: &AgentName) -> Result<RunStats, RepoError>;
}

/// What an agent's runs add up to. Averages are over the runs that finished (`completed` or `failed`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunStats {
    pub total: u64,
    pub successful: u64,
    pub failed: u64,
    pub avg_duration_ms: f64,
    pub avg_tokens: f64,
    pub last_run: Option<DateTime<Utc>>,
}

impl RunStats {
    /// Successful runs over all runs; 0 for an agent that never ran.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "a ratio of run counts needs no more than f64 precision")]
    pub fn success_rate(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.successful as f64 / self.total as f64 }
    }
}
