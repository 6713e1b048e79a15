//! Users' own agents: private to their owner, usable as `agent_type` in their chats, importable from and
//! exportable to TOON. An agent's model must be one the platform serves and its tools ones it knows.

use std::sync::Arc;

use ares_domain::agent_file::{AgentDefinition, AgentFileError, reserved_key};
use ares_domain::{Actor, AgentConfig, AgentName, AgentType, AuditEntry, InvalidAgent, UserAgent, UserId};
use serde_json::{Map, Value};

use super::router::ModelRouter;
use super::tools::ToolCatalog;
use crate::ports::{Clock, Conflict, RepoError, UserAgentRepository};

/// What a user agent operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum UserAgentError {
    #[error("Agent not found: {0}")]
    NotFound(String),
    #[error("Agent with name '{0}' already exists")]
    Duplicate(String),
    /// A name, type or config that is not allowed: an unknown model or tool, a value out of range.
    #[error("{0}")]
    Invalid(String),
    /// An import that is not valid TOON; the message names the line.
    #[error("{0}")]
    Syntax(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for UserAgentError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(conflict) => Self::Unexpected(anyhow::anyhow!("unexpected conflict: {conflict:?}")),
            RepoError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

impl From<InvalidAgent> for UserAgentError {
    fn from(err: InvalidAgent) -> Self {
        Self::Invalid(err.to_string())
    }
}

impl From<AgentFileError> for UserAgentError {
    fn from(err: AgentFileError) -> Self {
        match err {
            AgentFileError::Syntax(syntax) => Self::Syntax(syntax.to_string()),
            AgentFileError::Invalid(message) => Self::Invalid(message),
        }
    }
}

/// A new agent as its owner sends it: the config is a JSON object of config fields.
#[derive(Debug, Clone)]
pub struct NewUserAgent {
    pub name: String,
    pub agent_type: Option<String>,
    pub config: Map<String, Value>,
}

/// Users' agents.
pub struct UserAgents {
    agents: Arc<dyn UserAgentRepository>,
    router: Arc<ModelRouter>,
    tools: Arc<ToolCatalog>,
    clock: Arc<dyn Clock>,
    /// The tools users may give their agents (an operator's MCP tools are theirs, not every user's).
    allowed: Vec<String>,
}

/// The tools users may give their agents unless configured otherwise.
pub const USER_TOOLS: [&str; 2] = ["calculator", "web_search"];

impl UserAgents {
    #[must_use]
    pub fn new(
        agents: Arc<dyn UserAgentRepository>,
        router: Arc<ModelRouter>,
        tools: Arc<ToolCatalog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        UserAgents { agents, router, tools, clock, allowed: USER_TOOLS.map(str::to_owned).to_vec() }
    }

    /// The user's agents, by name.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    pub async fn list(&self, user_id: UserId) -> Result<Vec<UserAgent>, UserAgentError> {
        Ok(self.agents.list(user_id).await?)
    }

    /// The user's agent `name`.
    ///
    /// # Errors
    /// `NotFound` when the user has no agent of that name.
    #[tracing::instrument(skip_all, fields(user.id = %user_id, agent.name = %name.escape_debug()))]
    pub async fn get(&self, user_id: UserId, name: &str) -> Result<UserAgent, UserAgentError> {
        let name = path_name(name)?;
        self.agents.find(user_id, &name).await?.ok_or_else(|| UserAgentError::NotFound(name.to_string()))
    }

    /// Adds an agent to the user's.
    ///
    /// # Errors
    /// `Invalid` for an invalid name, type or config, an unknown model or tool; `Duplicate` when the user has an
    /// agent of that name.
    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    pub async fn create(&self, actor: &Actor, user_id: UserId, new: NewUserAgent) -> Result<UserAgent, UserAgentError> {
        let definition = AgentDefinition {
            name: AgentName::parse(&new.name)?,
            agent_type: new.agent_type.as_deref().map(AgentType::parse).transpose()?,
            config: AgentConfig::from_json(new.config)?,
        };
        self.insert(actor, user_id, definition).await
    }

    /// Adds the agent a TOON document defines to the user's.
    ///
    /// # Errors
    /// `Syntax` when the document is not valid TOON; otherwise as [`create`](Self::create).
    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    pub async fn import(&self, actor: &Actor, user_id: UserId, text: &str) -> Result<UserAgent, UserAgentError> {
        let definition = AgentDefinition::from_toon(text)?;
        self.insert(actor, user_id, definition).await
    }

    /// The user's agent `name` as a TOON document, the form [`import`](Self::import) reads.
    ///
    /// # Errors
    /// `NotFound` when the user has no agent of that name.
    pub async fn export(&self, user_id: UserId, name: &str) -> Result<String, UserAgentError> {
        let agent = self.get(user_id, name).await?;
        Ok(definition_of(agent).to_toon())
    }

    /// Changes the user's agent `name`: the fields of `patch` (config fields, `agent_type`) replace the stored ones.
    ///
    /// # Errors
    /// `NotFound`; `Invalid` when the changed agent is not valid or `patch` renames it.
    #[tracing::instrument(skip_all, fields(user.id = %user_id, agent.name = %name.escape_debug()))]
    pub async fn update(
        &self,
        actor: &Actor,
        user_id: UserId,
        name: &str,
        patch: Map<String, Value>,
    ) -> Result<UserAgent, UserAgentError> {
        let current = self.get(user_id, name).await?;
        let updated = patched(current.clone(), patch, self.clock.now())?;
        self.check(&updated.config)?;
        if (&updated.agent_type, &updated.config) == (&current.agent_type, &current.config) {
            return Ok(current);
        }
        let audit = audit(actor, "user_agent.updated", &updated, updated.updated_at);
        if self.agents.update(&updated, &audit).await? {
            Ok(updated)
        } else {
            Err(UserAgentError::NotFound(updated.name.to_string()))
        }
    }

    /// Removes the user's agent `name`.
    ///
    /// # Errors
    /// `NotFound` when the user has no agent of that name.
    #[tracing::instrument(skip_all, fields(user.id = %user_id, agent.name = %name.escape_debug()))]
    pub async fn delete(&self, actor: &Actor, user_id: UserId, name: &str) -> Result<(), UserAgentError> {
        let agent = self.get(user_id, name).await?;
        let audit = audit(actor, "user_agent.deleted", &agent, self.clock.now());
        if self.agents.delete(user_id, &agent.name, &audit).await? {
            Ok(())
        } else {
            Err(UserAgentError::NotFound(agent.name.to_string()))
        }
    }

    async fn insert(
        &self,
        actor: &Actor,
        user_id: UserId,
        definition: AgentDefinition,
    ) -> Result<UserAgent, UserAgentError> {
        self.check(&definition.config)?;
        let now = self.clock.now();
        let AgentDefinition { name, agent_type, config } = definition;
        let agent = UserAgent { user_id, name, agent_type, config, created_at: now, updated_at: now };
        let audit = audit(actor, "user_agent.created", &agent, now);
        match self.agents.insert(&agent, &audit).await {
            Ok(()) => Ok(agent),
            Err(RepoError::Conflict(Conflict::AgentName)) => Err(UserAgentError::Duplicate(agent.name.to_string())),
            Err(err) => Err(err.into()),
        }
    }

    /// Users' agents may be given only `tools` (of those the platform has).
    #[must_use]
    pub fn allowing(self, tools: Vec<String>) -> Self {
        UserAgents { allowed: tools, ..self }
    }

    /// Whether the platform can run `config`: a model it serves, tools it has and lets users have, no key a
    /// definition reserves.
    fn check(&self, config: &AgentConfig) -> Result<(), UserAgentError> {
        if let Some(key) = reserved_key(config) {
            return Err(UserAgentError::Invalid(format!("Invalid agent config: '{key}' is not a config field")));
        }
        if self.router.model_of(&config.model).is_none() {
            return Err(UserAgentError::Invalid(format!("Unknown model: '{}'", config.model.escape_debug())));
        }
        let known: Vec<String> = self.tools.names().into_iter().filter(|tool| self.allowed.contains(tool)).collect();
        match config.tools.iter().find(|tool| !known.contains(tool)) {
            Some(tool) => Err(UserAgentError::Invalid(format!(
                "Unknown tool: '{}'. Known tools: {}",
                tool.escape_debug(),
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

/// A name from a request path: one that cannot be an agent's names no agent (echoed escaped).
fn path_name(raw: &str) -> Result<AgentName, UserAgentError> {
    AgentName::parse(raw).map_err(|_| UserAgentError::NotFound(raw.escape_debug().to_string()))
}

fn definition_of(agent: UserAgent) -> AgentDefinition {
    AgentDefinition { name: agent.name, agent_type: agent.agent_type, config: agent.config }
}

/// The audit entry of a change to `agent`: its name and model, never its prompt.
fn audit(actor: &Actor, action: &str, agent: &UserAgent, at: chrono::DateTime<chrono::Utc>) -> AuditEntry {
    AuditEntry::new(actor, action, at)
        .target("agent", &agent.name)
        .detail("name", agent.name.to_string())
        .detail("model", agent.config.model.clone())
}

/// `agent` with `patch` applied: `agent_type` (null clears it) and config fields; `name` may only repeat the name.
fn patched(
    mut agent: UserAgent,
    mut patch: Map<String, Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<UserAgent, UserAgentError> {
    match patch.shift_remove("name") {
        Some(Value::String(name)) if name == agent.name.as_ref() => {}
        Some(_) => return Err(UserAgentError::Invalid("An agent cannot be renamed".into())),
        None => {}
    }
    match patch.shift_remove("agent_type") {
        Some(Value::Null) => agent.agent_type = None,
        Some(Value::String(raw)) => agent.agent_type = Some(AgentType::parse(&raw)?),
        Some(_) => return Err(UserAgentError::Invalid("Invalid agent_type: it must be a string".into())),
        None => {}
    }
    agent.config = agent.config.merged(patch)?;
    agent.updated_at = now;
    Ok(agent)
}

#[cfg(test)]
mod tests;
