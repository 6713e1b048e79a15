//! The agent template repository port.

use ares_domain::{AgentTemplate, ProductType};
use async_trait::async_trait;

use super::RepoError;

/// Stores the agent templates cloned at provisioning.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TemplateRepository: Send + Sync + 'static {
    /// The templates, of one product type or all, in the order they were configured.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, product_type: Option<ProductType>) -> Result<Vec<AgentTemplate>, RepoError>;

    /// Makes the stored templates exactly `templates`, in that order, in one transaction: new ones added, changed
    /// ones updated, the rest removed.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is changed then.
    async fn replace_all(&self, templates: &[AgentTemplate]) -> Result<(), RepoError>;
}
