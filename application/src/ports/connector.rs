//! The provider connector port: turns a provider definition into a client speaking its wire format.

use std::sync::Arc;

use ares_domain::Provider;

use super::ChatModel;

/// Builds clients for providers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ProviderConnector: Send + Sync + 'static {
    /// A client for `provider`, sharing one connection pool for all its requests.
    ///
    /// # Errors
    /// Why the provider cannot be used, for operators: its API key variable is not set, say.
    fn connect(&self, provider: &Provider) -> Result<Arc<dyn ChatModel>, String>;
}
