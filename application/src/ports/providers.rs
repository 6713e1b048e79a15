//! The provider repository port: providers defined through the Admin API, and the configured ones mirrored from
//! `ares.toml`, so every instance sharing the store routes the same way.

use ares_domain::{AuditEntry, Provider, ProviderName};
use async_trait::async_trait;

use super::RepoError;

/// Stores provider definitions (API keys given through the API included; the port never returns them to
/// clients, but adapters need them to call the upstream).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProviderRepository: Send + Sync + 'static {
    /// Every provider: configured ones first in configuration order, then the others by creation time.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self) -> Result<Vec<Provider>, RepoError>;

    /// The provider with this name, if any.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn find(&self, name: &ProviderName) -> Result<Option<Provider>, RepoError>;

    /// Stores a new provider, and `audit` in the same transaction.
    ///
    /// # Errors
    /// `Conflict(ProviderName)` when the name is taken; `Unexpected` when the store fails.
    async fn insert(&self, provider: &Provider, audit: &AuditEntry) -> Result<(), RepoError>;

    /// Replaces the stored provider of the same name, storing `audit` with the change; `false` when it is gone.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn update(&self, provider: &Provider, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// Deletes the provider, storing `audit` with the change; `false` when there was none.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn delete(&self, name: &ProviderName, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// Makes the configured providers in the store exactly `configured`, in one transaction: new ones added,
    /// changed ones updated (an operator's enable or disable and the discovered models are kept), configured ones
    /// no longer in the file removed. Providers created through the API are left alone unless the file now
    /// defines one of the same name, which then becomes a configured provider.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is changed then.
    async fn sync_configured(&self, configured: &[Provider]) -> Result<(), RepoError>;
}
