//! The agent repository port. Every method is scoped by tenant id.

use ares_domain::{Agent, AgentName, AuditEntry, Page, TenantId, TenantName};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// An agent with its run figures, as the agent list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSummary {
    pub agent: Agent,
    pub total_runs: u64,
    pub successful_runs: u64,
    pub last_run: Option<DateTime<Utc>>,
}

impl AgentSummary {
    /// Completed runs over all runs; 0 for an agent that never ran.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "a ratio of run counts needs no more than f64 precision")]
    pub fn success_rate(&self) -> f64 {
        if self.total_runs == 0 { 0.0 } else { self.successful_runs as f64 / self.total_runs as f64 }
    }
}

/// Stores tenants' agents.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AgentRepository: Send + Sync + 'static {
    /// The tenant's agents by name, with their run figures.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, tenant_id: TenantId) -> Result<Vec<AgentSummary>, RepoError>;

    /// The tenant's agents by name, without run figures.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn all(&self, tenant_id: TenantId) -> Result<Vec<Agent>, RepoError>;

    /// The tenant's agent with this name, if any.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn find(&self, tenant_id: TenantId, name: &AgentName) -> Result<Option<Agent>, RepoError>;

    /// Stores a new agent, and `audit` in the same transaction.
    ///
    /// # Errors
    /// `Conflict(AgentName)` when the tenant has an agent of that name; `Unexpected` when the store fails.
    async fn insert(&self, agent: &Agent, audit: &AuditEntry) -> Result<(), RepoError>;

    /// Replaces the stored agent with id `agent.id` (name included), storing `audit` with the change; `false`
    /// when it is gone.
    ///
    /// # Errors
    /// `Conflict(AgentName)` when a rename collides; `Unexpected` when the store fails.
    async fn update(&self, agent: &Agent, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// Deletes the tenant's agent with this name, storing `audit` with the change; `false` when there was none.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn delete(&self, tenant_id: TenantId, name: &AgentName, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// A page of every tenant's agents (by tenant name, then agent name), each with its tenant's name, and how
    /// many there are in all: the operators' cross-tenant view.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn page_all(&self, page: Page) -> Result<(Vec<(Agent, TenantName)>, u64), RepoError>;

    /// How many agents all tenants have.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn count_all(&self) -> Result<u64, RepoError>;
}
