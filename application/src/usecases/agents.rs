//! Tenant agent use cases for operators: list, create, update (fields given replace stored ones), delete.

use std::sync::Arc;

use ares_domain::{
    Actor, Agent, AgentConfig, AgentName, AgentStatus, AgentType, AuditEntry, InvalidAgent, Page, TenantId, TenantName,
};
use serde_json::{Map, Value};

use super::directory::AgentDirectory;
use crate::ports::{AgentRepository, AgentSummary, Clock, Conflict, RepoError, TenantRepository};

/// What an agent operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("Tenant not found")]
    TenantNotFound,
    #[error("Agent not found: {0}")]
    NotFound(AgentName),
    #[error("Agent with name '{0}' already exists for this tenant")]
    Duplicate(AgentName),
    #[error(transparent)]
    Invalid(#[from] InvalidAgent),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for AgentError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(conflict) => Self::Unexpected(anyhow::anyhow!("unexpected conflict: {conflict:?}")),
            RepoError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// A new agent, as the operator defines it.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub name: AgentName,
    pub agent_type: AgentType,
    pub config: AgentConfig,
}

/// The fields of an agent to change; `None` keeps the stored value. Config keys replace stored keys one by one.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    pub name: Option<AgentName>,
    pub agent_type: Option<AgentType>,
    pub config: Option<Map<String, Value>>,
    pub status: Option<AgentStatus>,
}

/// The names of the fields that differ between `before` and `after` (config keys as `config.<key>`), for the audit
/// log: names, not values, since a config may hold anything.
fn changed_fields(before: &Agent, after: &Agent) -> Vec<String> {
    let mut fields: Vec<String> = [
        ("name", before.name != after.name),
        ("agent_type", before.agent_type != after.agent_type),
        ("status", before.status != after.status),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(field, _)| field.to_owned())
    .collect();
    let (old, new) = (before.config.to_json(), after.config.to_json());
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    fields.extend(keys.into_iter().filter(|key| old.get(*key) != new.get(*key)).map(|key| format!("config.{key}")));
    fields
}

/// Agent administration, always within one tenant.
#[derive(Clone)]
pub struct Agents {
    agents: Arc<dyn AgentRepository>,
    tenants: Arc<dyn TenantRepository>,
    directory: Arc<AgentDirectory>,
    clock: Arc<dyn Clock>,
}

impl Agents {
    /// Every change drops the tenant's agents from `directory`, the cache clients' requests read.
    #[must_use]
    pub fn new(
        agents: Arc<dyn AgentRepository>,
        tenants: Arc<dyn TenantRepository>,
        directory: Arc<AgentDirectory>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { agents, tenants, directory, clock }
    }

    async fn ensure_tenant(&self, tenant_id: TenantId) -> Result<(), AgentError> {
        self.tenants.find(tenant_id).await?.map(|_| ()).ok_or(AgentError::TenantNotFound)
    }

    /// The tenant's agents with their run figures.
    ///
    /// # Errors
    /// `TenantNotFound` when there is no such tenant.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id))]
    pub async fn list(&self, tenant_id: TenantId) -> Result<Vec<AgentSummary>, AgentError> {
        self.ensure_tenant(tenant_id).await?;
        Ok(self.agents.list(tenant_id).await?)
    }

    /// Adds an agent to the tenant.
    ///
    /// # Errors
    /// `TenantNotFound`, or `Duplicate` when the tenant has an agent of that name.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id, agent.name = %new.name))]
    pub async fn create(&self, tenant_id: TenantId, new: NewAgent, actor: &Actor) -> Result<Agent, AgentError> {
        self.ensure_tenant(tenant_id).await?;
        let agent = Agent::new(tenant_id, new.name, new.agent_type, new.config, self.clock.now());
        let audit = AuditEntry::new(actor, "agent.created", agent.created_at)
            .tenant(tenant_id)
            .target("agent", &agent.name)
            .detail("agent_name", agent.name.to_string())
            .detail("agent_type", agent.agent_type.to_string());
        let inserted = self.agents.insert(&agent, &audit).await;
        self.directory.forget(tenant_id);
        match inserted {
            Ok(()) => Ok(agent),
            Err(RepoError::Conflict(Conflict::AgentName)) => Err(AgentError::Duplicate(agent.name)),
            Err(err) => Err(err.into()),
        }
    }

    /// Changes the fields given in `patch`.
    ///
    /// # Errors
    /// `TenantNotFound`, `NotFound`, `Duplicate` when a rename collides, `Invalid` when the merged config is not
    /// valid.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id, agent.name = %name))]
    pub async fn update(
        &self,
        tenant_id: TenantId,
        name: AgentName,
        patch: AgentPatch,
        actor: &Actor,
    ) -> Result<Agent, AgentError> {
        self.ensure_tenant(tenant_id).await?;
        let current = self.agents.find(tenant_id, &name).await?.ok_or_else(|| AgentError::NotFound(name.clone()))?;
        let updated = apply(current.clone(), patch, self.clock.now())?;
        let changed = changed_fields(&current, &updated);
        if changed.is_empty() {
            return Ok(current);
        }
        let audit = AuditEntry::new(actor, "agent.updated", updated.updated_at)
            .tenant(tenant_id)
            .target("agent", &updated.name)
            .detail("agent_name", name.to_string())
            .detail("changed", changed);
        let written = self.agents.update(&updated, &audit).await;
        self.directory.forget(tenant_id);
        match written {
            Ok(true) => Ok(updated),
            Ok(false) => Err(AgentError::NotFound(updated.name)),
            Err(RepoError::Conflict(Conflict::AgentName)) => Err(AgentError::Duplicate(updated.name)),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes the tenant's agent.
    ///
    /// # Errors
    /// `TenantNotFound`, or `NotFound` when the tenant has no agent of that name.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id, agent.name = %name))]
    pub async fn delete(&self, tenant_id: TenantId, name: AgentName, actor: &Actor) -> Result<(), AgentError> {
        self.ensure_tenant(tenant_id).await?;
        let audit = AuditEntry::new(actor, "agent.deleted", self.clock.now())
            .tenant(tenant_id)
            .target("agent", &name)
            .detail("agent_name", name.to_string());
        let deleted = self.agents.delete(tenant_id, &name, &audit).await;
        self.directory.forget(tenant_id);
        if deleted? { Ok(()) } else { Err(AgentError::NotFound(name)) }
    }

    /// A page of every tenant's agents, each with its tenant's name, and how many there are in all.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn page_all(&self, page: Page) -> Result<(Vec<(Agent, TenantName)>, u64), AgentError> {
        Ok(self.agents.page_all(page).await?)
    }
}

fn apply(mut agent: Agent, patch: AgentPatch, now: chrono::DateTime<chrono::Utc>) -> Result<Agent, InvalidAgent> {
    if let Some(config) = patch.config {
        agent.config = agent.config.merged(config)?;
    }
    agent.name = patch.name.unwrap_or(agent.name);
    agent.agent_type = patch.agent_type.unwrap_or(agent.agent_type);
    agent.status = patch.status.unwrap_or(agent.status);
    agent.updated_at = now;
    Ok(agent)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ares_domain::{Tenant, TenantName, Tier};
    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::ports::{MockAgentRepository, MockClock, MockTenantRepository};

    fn tenants(exists: bool) -> Arc<MockTenantRepository> {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_find().returning(move |_| {
            Ok(exists.then(|| Tenant::new(TenantName::parse("acme").unwrap(), Tier::Pro, None, Utc::now())))
        });
        Arc::new(tenants)
    }

    fn clock() -> Arc<MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().returning(Utc::now);
        Arc::new(clock)
    }

    fn service(agents: MockAgentRepository, tenants: Arc<MockTenantRepository>) -> Agents {
        let directory = AgentDirectory::new(Arc::new(MockAgentRepository::new()), clock(), Duration::from_secs(1));
        Agents::new(Arc::new(agents), tenants, Arc::new(directory), clock())
    }

    fn config(value: Value) -> AgentConfig {
        AgentConfig::from_json(value.as_object().cloned().unwrap()).unwrap()
    }

    fn stored(tenant_id: TenantId) -> Agent {
        Agent::new(
            tenant_id,
            AgentName::parse("risk").unwrap(),
            AgentType::parse("analyzer").unwrap(),
            config(json!({"model": "fast", "system_prompt": "old", "max_tokens": 100})),
            Utc::now(),
        )
    }

    #[tokio::test]
    async fn create_reports_a_name_taken_in_the_tenant_as_duplicate() {
        let mut agents = MockAgentRepository::new();
        agents.expect_insert().returning(|_, _| Err(RepoError::Conflict(Conflict::AgentName)));
        let new = NewAgent {
            name: AgentName::parse("risk").unwrap(),
            agent_type: AgentType::parse("analyzer").unwrap(),
            config: config(json!({"model": "fast"})),
        };
        let err = service(agents, tenants(true)).create(TenantId::new(), new, &Actor::Admin).await.unwrap_err();
        assert_eq!(err.to_string(), "Agent with name 'risk' already exists for this tenant");
    }

    #[tokio::test]
    async fn update_merges_the_given_config_keys_into_the_stored_config() {
        let tenant_id = TenantId::new();
        let mut agents = MockAgentRepository::new();
        agents.expect_find().returning(move |_, _| Ok(Some(stored(tenant_id))));
        agents
            .expect_update()
            .withf(|a, audit| {
                a.config.system_prompt.as_deref() == Some("new")
                    && a.config.max_tokens == Some(100)
                    && a.config.model == "fast"
                    && audit.action == "agent.updated"
                    && audit.details["changed"] == json!(["config.system_prompt"])
            })
            .times(1)
            .returning(|_, _| Ok(true));
        let patch =
            AgentPatch { config: json!({"system_prompt": "new"}).as_object().cloned(), ..AgentPatch::default() };
        let agent = service(agents, tenants(true))
            .update(tenant_id, AgentName::parse("risk").unwrap(), patch, &Actor::Admin)
            .await
            .unwrap();
        assert_eq!(agent.agent_type.as_ref(), "analyzer");
    }

    #[tokio::test]
    async fn an_update_that_changes_nothing_writes_nothing() {
        let tenant_id = TenantId::new();
        let mut agents = MockAgentRepository::new();
        agents.expect_find().returning(move |_, _| Ok(Some(stored(tenant_id))));
        agents.expect_update().never();
        let patch =
            AgentPatch { config: json!({"system_prompt": "old"}).as_object().cloned(), ..AgentPatch::default() };
        let agent = service(agents, tenants(true))
            .update(tenant_id, AgentName::parse("risk").unwrap(), patch, &Actor::Admin)
            .await
            .unwrap();
        assert_eq!(agent.config.system_prompt.as_deref(), Some("old"));
    }

    #[tokio::test]
    async fn update_with_an_invalid_merged_config_stores_nothing() {
        let tenant_id = TenantId::new();
        let mut agents = MockAgentRepository::new();
        agents.expect_find().returning(move |_, _| Ok(Some(stored(tenant_id))));
        agents.expect_update().never();
        let patch = AgentPatch { config: json!({"temperature": 9}).as_object().cloned(), ..AgentPatch::default() };
        let err = service(agents, tenants(true))
            .update(tenant_id, AgentName::parse("risk").unwrap(), patch, &Actor::Admin)
            .await
            .unwrap_err();
        assert!(matches!(err, AgentError::Invalid(_)));
    }

    #[tokio::test]
    async fn delete_of_a_missing_agent_is_not_found() {
        let mut agents = MockAgentRepository::new();
        agents.expect_delete().returning(|_, _, _| Ok(false));
        let err = service(agents, tenants(true))
            .delete(TenantId::new(), AgentName::parse("ghost").unwrap(), &Actor::Admin)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "Agent not found: ghost");
    }

    #[tokio::test]
    async fn every_operation_on_an_unknown_tenant_is_tenant_not_found() {
        let mut agents = MockAgentRepository::new();
        agents.expect_list().never();
        agents.expect_delete().never();
        let service = service(agents, tenants(false));
        assert!(matches!(service.list(TenantId::new()).await, Err(AgentError::TenantNotFound)));
        let name = AgentName::parse("x").unwrap();
        assert!(matches!(service.delete(TenantId::new(), name, &Actor::Admin).await, Err(AgentError::TenantNotFound)));
    }
}
