//! Agent template use cases: list them, and make the stored set match the configuration at start-up.

use std::sync::Arc;

use ares_domain::{AgentTemplate, ProductType};

use crate::ports::{RepoError, TemplateRepository};

/// The agent templates.
#[derive(Clone)]
pub struct Templates {
    templates: Arc<dyn TemplateRepository>,
}

impl Templates {
    #[must_use]
    pub fn new(templates: Arc<dyn TemplateRepository>) -> Self {
        Self { templates }
    }

    /// The templates of one product type, or all.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn list(&self, product_type: Option<ProductType>) -> Result<Vec<AgentTemplate>, RepoError> {
        self.templates.list(product_type).await
    }

    /// Makes the stored templates exactly the configured ones. Running it twice changes nothing the second time.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; the stored set is unchanged then.
    #[tracing::instrument(skip_all, fields(templates.count = configured.len()))]
    pub async fn seed(&self, configured: &[AgentTemplate]) -> Result<(), RepoError> {
        self.templates.replace_all(configured).await
    }
}
