//! The tenant repository port, including atomic provisioning.

use ares_domain::{Agent, ApiKey, AuditEntry, Tenant, TenantId, TenantStats, Tier};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// A tenant with its agent count, as the tenant list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantListing {
    pub tenant: Tenant,
    pub agent_count: u64,
}

/// Stores tenants.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TenantRepository: Send + Sync + 'static {
    /// Stores a new tenant, and `audit` in the same transaction.
    ///
    /// # Errors
    /// `Conflict(TenantName)` when the name is taken; `Unexpected` when the store fails.
    async fn insert(&self, tenant: &Tenant, audit: &AuditEntry) -> Result<(), RepoError>;

    /// Stores a tenant, its agents, its first API key and `audit` in one transaction: all of them or none.
    ///
    /// # Errors
    /// `Conflict(TenantName)` when the name is taken, another `Conflict` when an agent or the key breaks a
    /// uniqueness rule, `Unexpected` when the store fails. On any error nothing is written.
    async fn provision(
        &self,
        tenant: &Tenant,
        agents: &[Agent],
        key: &ApiKey,
        audit: &AuditEntry,
    ) -> Result<(), RepoError>;

    /// Every tenant, oldest first, with its agent count.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self) -> Result<Vec<TenantListing>, RepoError>;

    /// The tenant with this id, if any.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn find(&self, id: TenantId) -> Result<Option<Tenant>, RepoError>;

    /// What the tenant holds and has used (zeros for an unknown tenant).
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn stats(&self, id: TenantId) -> Result<TenantStats, RepoError>;

    /// Moves the tenant to `tier` and returns it updated, or `None` when it does not exist; `audit` is stored
    /// with the change.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn set_tier(
        &self,
        id: TenantId,
        tier: Tier,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Option<Tenant>, RepoError>;

    /// How many tenants there are.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn count(&self) -> Result<u64, RepoError>;
}
