//! Chat for clients: messages to a model, or to one of the tenant's agents (by `agent_type`, or by name as
//! `agent/<name>`), completed or streamed through the router. An agent answers with its prompt, its model and its
//! server-side tool loop. Without an agent, the client may offer tools of its own (client-side function calling):
//! the model's calls then go back to the client, and nothing runs here.

use std::sync::Arc;

use ares_domain::{Agent, AgentName, AgentStatus, TenantId, ToolSettings};
use chrono::{DateTime, Utc};

use super::directory::AgentDirectory;
use super::metering::{Budget, Record};
use super::prompt::{InputMessage, Sampling, chat_request, reserve_for};
use super::router::{ModelRouter, RouteError, Routed};
use super::tools::{ToolCoordinator, ToolRun};
use crate::ports::{ChatRequest, ChatStream, RepoError, ToolChoice, ToolSpec};

/// Why a chat cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("Agent not found: {0}")]
    AgentNotFound(String),
    #[error("Agent is disabled: {0}")]
    AgentDisabled(String),
    #[error("Missing required field: model (or agent_type)")]
    NoModel,
    #[error("messages must hold at least one user message")]
    NoMessages,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for ChatError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

/// Which agent speaks, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentChoice {
    /// The tenant's agent of this type (the first by name), else the one named so.
    Type(String),
    /// The tenant's agent of this name.
    Name(AgentName),
}

/// Tools the client offers the model itself; their calls go back to the client.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientTools {
    pub tools: Vec<ToolSpec>,
    pub choice: ToolChoice,
    pub parallel_calls: Option<bool>,
}

/// What a client asks for.
#[derive(Debug, Clone, Default)]
pub struct ChatInput {
    pub messages: Vec<InputMessage>,
    pub model: Option<String>,
    pub agent: Option<AgentChoice>,
    pub sampling: Sampling,
    /// Ignored when an agent speaks: it has tools of its own.
    pub client_tools: ClientTools,
}

/// A chat ready to route, with the agent it talks to and the tokens to reserve.
#[derive(Debug, Clone)]
pub struct PreparedChat {
    pub request: ChatRequest,
    pub agent: Option<Agent>,
    pub reserve: u64,
}

impl PreparedChat {
    /// What to record of the chat before it is answered: the agent and the model asked for.
    #[must_use]
    pub fn record(&self) -> Record {
        Record {
            agent: self.agent.as_ref().map(|a| a.name.to_string()),
            model: Some(self.request.model.clone()),
            ..Record::default()
        }
    }

    /// What to record of the chat once routing it failed with `err`.
    #[must_use]
    pub fn failed(&self, err: &RouteError) -> Record {
        self.record().failed_on(err)
    }

    /// What to record of the chat once `routed` answered it.
    #[must_use]
    pub fn answered(&self, routed: &Routed<ToolRun>) -> Record {
        Record {
            model: Some(routed.model.clone()),
            provider: Some(routed.provider.to_string()),
            usage: routed.value.usage,
            ..self.record()
        }
    }
}

/// Something a client may name as its `model`: a configured model, or one of its agents as `agent/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callable {
    pub id: String,
    /// The provider serving the model, or the tenant for an agent.
    pub owner: String,
    pub created: Option<DateTime<Utc>>,
}

/// How a client names one of its agents as a model.
pub const AGENT_PREFIX: &str = "agent/";

/// Chats with models and agents.
pub struct ChatService {
    directory: Arc<AgentDirectory>,
    coordinator: Arc<ToolCoordinator>,
    router: Arc<ModelRouter>,
    default_max_tokens: u32,
}

impl ChatService {
    /// `default_max_tokens` bounds answers that set no `max_tokens` (it is what their admission reserves).
    #[must_use]
    pub fn new(
        directory: Arc<AgentDirectory>,
        coordinator: Arc<ToolCoordinator>,
        router: Arc<ModelRouter>,
        default_max_tokens: u32,
    ) -> Self {
        ChatService { directory, coordinator, router, default_max_tokens }
    }

    /// Builds the chat: the agent gives the prompt, model and settings; `model` overrides its model.
    ///
    /// # Errors
    /// `AgentNotFound`, `AgentDisabled`, `NoModel` when neither is given, `NoMessages`.
    pub async fn prepare(&self, tenant_id: TenantId, input: ChatInput) -> Result<PreparedChat, ChatError> {
        let has_user = input.messages.iter().any(|m| matches!(m, InputMessage::User(_)));
        if !has_user {
            return Err(ChatError::NoMessages);
        }
        let agent = match &input.agent {
            Some(choice) => Some(self.agent(tenant_id, choice).await?),
            None => None,
        };
        if let Some(agent) = agent.as_ref().filter(|a| a.status == AgentStatus::Disabled) {
            return Err(ChatError::AgentDisabled(agent.name.to_string()));
        }
        if agent.is_none() && input.model.is_none() {
            return Err(ChatError::NoModel);
        }
        let mut request = chat_request(agent.as_ref(), input.model.as_deref(), input.messages, input.sampling);
        if agent.is_none() {
            let ClientTools { tools, choice, parallel_calls } = input.client_tools;
            (request.tools, request.tool_choice, request.parallel_tool_calls) = (tools, choice, parallel_calls);
        }
        let reserve = reserve_for(&mut request, self.default_max_tokens);
        Ok(PreparedChat { request, agent, reserve })
    }

    async fn agent(&self, tenant_id: TenantId, choice: &AgentChoice) -> Result<Agent, ChatError> {
        let found = match choice {
            AgentChoice::Type(agent_type) => self.directory.by_type(tenant_id, agent_type).await?,
            AgentChoice::Name(name) => self.directory.by_name(tenant_id, name).await?,
        };
        found.ok_or_else(|| {
            ChatError::AgentNotFound(match choice {
                AgentChoice::Type(agent_type) => agent_type.clone(),
                AgentChoice::Name(name) => name.to_string(),
            })
        })
    }

    /// The whole answer: after the agent's tool loop (each further round within `budget`), or the model's own
    /// answer, tool calls for the client included.
    ///
    /// # Errors
    /// A `RouteError` when no provider served it.
    pub async fn complete(&self, chat: &PreparedChat, budget: &Budget) -> Result<Routed<ToolRun>, RouteError> {
        match &chat.agent {
            Some(agent) => {
                let (tools, settings) = self.tools_of(agent);
                self.coordinator.complete(chat.request.clone(), &tools, settings, budget).await
            }
            None => {
                let routed = self.router.complete(&chat.request).await?;
                let usage = routed.value.usage;
                Ok(routed.map(|response| ToolRun { response, usage, calls: Vec::new() }))
            }
        }
    }

    /// The answer as it is written: an agent's tool rounds first (their text passes on too), then the final
    /// answer; without an agent, the model's stream, tool-call fragments for the client included.
    ///
    /// # Errors
    /// A `RouteError` when no provider started it.
    pub async fn stream(&self, chat: &PreparedChat, budget: Budget) -> Result<Routed<ChatStream>, RouteError> {
        match &chat.agent {
            Some(agent) => {
                let (tools, settings) = self.tools_of(agent);
                self.coordinator.stream(chat.request.clone(), &tools, settings, budget).await
            }
            None => self.router.stream(&chat.request).await,
        }
    }

    /// What the tenant may name as a model: every configured model (by the name clients use), then its agents as
    /// `agent/<name>`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn callable(&self, tenant_id: TenantId) -> Result<Vec<Callable>, ChatError> {
        let models = self.router.models().into_iter().map(|status| Callable {
            id: status.model.name.to_string(),
            owner: status.provider.to_string(),
            created: None,
        });
        let agents = self.directory.all(tenant_id).await?;
        let agents = agents.iter().map(|agent| Callable {
            id: format!("{AGENT_PREFIX}{}", agent.name),
            owner: tenant_id.to_string(),
            created: Some(agent.created_at),
        });
        Ok(models.chain(agents).collect())
    }

    fn tools_of(&self, agent: &Agent) -> (Vec<String>, ToolSettings) {
        (agent.config.tools.clone(), self.coordinator.defaults().for_agent(&agent.config))
    }
}
