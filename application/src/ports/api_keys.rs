//! The API key repository port, and the source of fresh keys.

use ares_domain::{ApiKey, ApiKeyId, AuditEntry, KeyHash, Page, RawApiKey, TenantId, Tier};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// Stores API keys (hashed; the raw key never reaches the store).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync + 'static {
    /// Stores a new key unless its tenant already has `max_live` live keys (not revoked, not expired when the new
    /// key is made): `false` then, and nothing is stored. Exact under concurrent inserts for one tenant. `audit` is
    /// stored with the key.
    ///
    /// # Errors
    /// `Conflict(Other)` when the hash is already stored; `Unexpected` when the store fails.
    async fn insert(&self, key: &ApiKey, max_live: u64, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// One page of the tenant's keys, oldest first (without the revoked ones when `live_only`), and how many
    /// there are in all.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn page(&self, tenant_id: TenantId, live_only: bool, page: Page) -> Result<(Vec<ApiKey>, u64), RepoError>;

    /// The key stored under `hash`, revoked or expired ones included, with its tenant's tier.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<(ApiKey, Tier)>, RepoError>;

    /// Revokes the tenant's live key `id`, storing `audit` with the change; `false` when the tenant has no such
    /// live key.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn revoke(&self, tenant_id: TenantId, id: ApiKeyId, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// Records when keys were last used, many at once.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn record_last_used(&self, used: &[(ApiKeyId, DateTime<Utc>)]) -> Result<(), RepoError>;
}

/// Produces fresh random API keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait KeyGenerator: Send + Sync + 'static {
    /// A new key, never issued before.
    fn generate(&self) -> RawApiKey;
}
