//! Provisioning a client: a tenant, its cloned agent templates and its first API key, all or nothing.

use std::sync::Arc;

use ares_domain::{Actor, Agent, ApiKey, AuditEntry, KeyLabel, ProductType, RawApiKey, Tenant, TenantName, Tier};

use crate::ports::{Clock, Conflict, KeyGenerator, RepoError, TemplateRepository, TenantRepository};

/// What the operator asks for.
#[derive(Debug, Clone)]
pub struct ProvisionRequest {
    pub name: TenantName,
    pub tier: Tier,
    pub product_type: ProductType,
    pub api_key_name: KeyLabel,
}

/// What was created. `raw_key` is the only copy of the key in clear.
#[derive(Debug, Clone)]
pub struct ProvisionedClient {
    pub tenant: Tenant,
    pub agents: Vec<Agent>,
    pub key: ApiKey,
    pub raw_key: RawApiKey,
}

/// What provisioning can fail with. Whatever the error, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("Tenant with name '{0}' already exists")]
    Duplicate(TenantName),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for ProvisionError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(conflict) => Self::Unexpected(anyhow::anyhow!("unexpected conflict: {conflict:?}")),
            RepoError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// Onboards client companies.
#[derive(Clone)]
pub struct Provisioning {
    tenants: Arc<dyn TenantRepository>,
    templates: Arc<dyn TemplateRepository>,
    keys: Arc<dyn KeyGenerator>,
    clock: Arc<dyn Clock>,
}

impl Provisioning {
    #[must_use]
    pub fn new(
        tenants: Arc<dyn TenantRepository>,
        templates: Arc<dyn TemplateRepository>,
        keys: Arc<dyn KeyGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { tenants, templates, keys, clock }
    }

    /// Creates the tenant, clones the templates of its product type and issues its first key, in one
    /// transaction.
    ///
    /// # Errors
    /// `Duplicate` when the tenant name is taken; `Unexpected` when the store fails. Nothing is written then.
    #[tracing::instrument(skip_all, fields(tenant.name = %request.name, product.type = %request.product_type))]
    pub async fn provision(
        &self,
        request: ProvisionRequest,
        actor: &Actor,
    ) -> Result<ProvisionedClient, ProvisionError> {
        let now = self.clock.now();
        let templates = self.templates.list(Some(request.product_type)).await?;
        if templates.is_empty() {
            tracing::warn!("no agent templates are configured for this product type");
        }
        let tenant = Tenant::new(request.name, request.tier, Some(request.product_type), now);
        let agents: Vec<Agent> = templates.iter().map(|t| t.instantiate(tenant.id, now)).collect();
        let raw_key = self.keys.generate();
        let key = ApiKey::issue(tenant.id, request.api_key_name.to_string(), &raw_key, now, None);
        let audit = AuditEntry::new(actor, "tenant.provisioned", now)
            .tenant(tenant.id)
            .target("tenant", tenant.id)
            .detail("tenant_name", tenant.name.to_string())
            .detail("tier", tenant.tier.as_str())
            .detail("product_type", request.product_type.to_string())
            .detail("agents", agents.iter().map(|a| a.name.to_string()).collect::<Vec<_>>())
            .detail("api_key_id", key.id.to_string())
            .detail("api_key_prefix", key.prefix.clone());
        match self.tenants.provision(&tenant, &agents, &key, &audit).await {
            Ok(()) => Ok(ProvisionedClient { tenant, agents, key, raw_key }),
            Err(RepoError::Conflict(Conflict::TenantName)) => Err(ProvisionError::Duplicate(tenant.name)),
            Err(err) => Err(err.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{AgentConfig, AgentName, AgentTemplate, AgentType};
    use chrono::Utc;
    use serde_json::{Map, Value};

    use super::*;
    use crate::ports::{MockClock, MockKeyGenerator, MockTemplateRepository, MockTenantRepository};

    fn template(name: &str) -> AgentTemplate {
        let mut config = Map::new();
        config.insert("model".into(), Value::String("fast".into()));
        AgentTemplate {
            name: AgentName::parse(name).unwrap(),
            product_type: ProductType::Kasino,
            agent_type: AgentType::parse("classifier").unwrap(),
            config: AgentConfig::from_json(config).unwrap(),
        }
    }

    fn service(tenants: MockTenantRepository) -> Provisioning {
        let mut templates = MockTemplateRepository::new();
        templates
            .expect_list()
            .withf(|product| *product == Some(ProductType::Kasino))
            .returning(|_| Ok(vec![template("kasino-classifier"), template("kasino-risk")]));
        let mut keys = MockKeyGenerator::new();
        keys.expect_generate()
            .returning(|| RawApiKey::from_random("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0").unwrap());
        let mut clock = MockClock::new();
        clock.expect_now().returning(Utc::now);
        Provisioning::new(Arc::new(tenants), Arc::new(templates), Arc::new(keys), Arc::new(clock))
    }

    fn request() -> ProvisionRequest {
        ProvisionRequest {
            name: TenantName::parse("acme-corp").unwrap(),
            tier: Tier::Pro,
            product_type: ProductType::Kasino,
            api_key_name: KeyLabel::parse("production").unwrap(),
        }
    }

    #[tokio::test]
    async fn provision_clones_every_template_and_binds_the_key_to_the_tenant() {
        let mut tenants = MockTenantRepository::new();
        tenants
            .expect_provision()
            .withf(|tenant, agents, key, audit| {
                agents.len() == 2
                    && agents.iter().all(|a| a.tenant_id == tenant.id)
                    && key.tenant_id == tenant.id
                    && key.prefix == "ares_a1b2"
                    && key.hash == KeyHash::of("ares_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0")
                    && audit.action == "tenant.provisioned"
                    && audit.tenant_id == Some(tenant.id)
                    && !serde_json::to_string(&audit.details).unwrap().contains("a1b2c3d4e5f6g7h8")
            })
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let client = service(tenants).provision(request(), &Actor::Admin).await.unwrap();
        let names: Vec<_> = client.agents.iter().map(|a| a.name.to_string()).collect();
        assert_eq!(names, ["kasino-classifier", "kasino-risk"]);
        assert_eq!(client.tenant.product_type, Some(ProductType::Kasino));
        assert_eq!(client.raw_key.expose(), "ares_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0");
    }

    #[tokio::test]
    async fn provision_reports_a_taken_name_as_duplicate() {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_provision().returning(|_, _, _, _| Err(RepoError::Conflict(Conflict::TenantName)));
        let err = service(tenants).provision(request(), &Actor::Admin).await.unwrap_err();
        assert_eq!(err.to_string(), "Tenant with name 'acme-corp' already exists");
    }

    #[tokio::test]
    async fn a_store_failure_during_provisioning_is_unexpected() {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_provision().returning(|_, _, _, _| Err(RepoError::Unexpected(anyhow::anyhow!("disk full"))));
        let err = service(tenants).provision(request(), &Actor::Admin).await.unwrap_err();
        assert!(matches!(err, ProvisionError::Unexpected(_)));
    }

    use ares_domain::KeyHash;
}
