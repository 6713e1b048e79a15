//! The agents clients run, cached per tenant for a moment (`ttl`), so running an agent costs no lookup. Changes
//! made through this instance drop the tenant's entry at once; other instances see them within `ttl`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ares_domain::{Agent, AgentName, TenantId};
use chrono::{DateTime, Utc};

use crate::ports::{AgentRepository, Clock, RepoError};

/// A tenant's agents as read, and when.
type Cached = (Arc<Vec<Agent>>, DateTime<Utc>);

/// Tenants' agents, read through a short cache.
pub struct AgentDirectory {
    agents: Arc<dyn AgentRepository>,
    clock: Arc<dyn Clock>,
    ttl: chrono::Duration,
    cache: Mutex<HashMap<TenantId, Cached>>,
}

impl AgentDirectory {
    #[must_use]
    pub fn new(agents: Arc<dyn AgentRepository>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(1));
        AgentDirectory { agents, clock, ttl, cache: Mutex::default() }
    }

    async fn of(&self, tenant_id: TenantId) -> Result<Arc<Vec<Agent>>, RepoError> {
        let now = self.clock.now();
        let cached = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            cache.get(&tenant_id).filter(|(_, at)| now - *at < self.ttl).map(|(agents, _)| agents.clone())
        };
        if let Some(agents) = cached {
            return Ok(agents);
        }
        let agents = Arc::new(self.agents.all(tenant_id).await?);
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).insert(tenant_id, (agents.clone(), now));
        Ok(agents)
    }

    /// Every agent of the tenant, by name.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn all(&self, tenant_id: TenantId) -> Result<Arc<Vec<Agent>>, RepoError> {
        self.of(tenant_id).await
    }

    /// The tenant's agent named `name`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn by_name(&self, tenant_id: TenantId, name: &AgentName) -> Result<Option<Agent>, RepoError> {
        Ok(self.of(tenant_id).await?.iter().find(|a| &a.name == name).cloned())
    }

    /// The tenant's agent of type `agent_type` (the first by name), else the one named so.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn by_type(&self, tenant_id: TenantId, agent_type: &str) -> Result<Option<Agent>, RepoError> {
        let agents = self.of(tenant_id).await?;
        let found = agents
            .iter()
            .find(|a| a.agent_type.as_ref() == agent_type)
            .or_else(|| agents.iter().find(|a| a.name.as_ref() == agent_type));
        Ok(found.cloned())
    }

    /// Drops the tenant's cached agents: they changed here.
    pub fn forget(&self, tenant_id: TenantId) {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).remove(&tenant_id);
    }
}
