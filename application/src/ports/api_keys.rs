//! The API key repository port, and the source of fresh keys.

use ares_domain::{ApiKey, RawApiKey, TenantId};
use async_trait::async_trait;

use super::RepoError;

/// Stores API keys (hashed; the raw key never reaches the store).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync + 'static {
    /// Stores a new key.
    ///
    /// # Errors
    /// `Conflict(Other)` when the hash is already stored; `Unexpected` when the store fails.
    async fn insert(&self, key: &ApiKey) -> Result<(), RepoError>;

    /// The tenant's keys, oldest first, revoked ones included.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, tenant_id: TenantId) -> Result<Vec<ApiKey>, RepoError>;
}

/// Produces fresh random API keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait KeyGenerator: Send + Sync + 'static {
    /// A new key, never issued before.
    fn generate(&self) -> RawApiKey;
}
