//! Chat for clients: messages to a model, or to one of the tenant's agents (by `agent_type`), completed or
//! streamed through the router.

use std::sync::Arc;

use ares_domain::quota::reservation;
use ares_domain::{Agent, AgentStatus, TenantId};

use super::directory::AgentDirectory;
use super::prompt::{InputMessage, chat_request, prompt_chars};
use super::router::{RouteError, Routed};
use super::tools::{ToolCoordinator, ToolRun};
use crate::ports::{ChatRequest, ChatStream, RepoError};

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

/// What a client asks for.
#[derive(Debug, Clone, Default)]
pub struct ChatInput {
    pub messages: Vec<InputMessage>,
    pub model: Option<String>,
    pub agent_type: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
}

/// A chat ready to route, with the agent it talks to and the tokens to reserve.
#[derive(Debug, Clone)]
pub struct PreparedChat {
    pub request: ChatRequest,
    pub agent: Option<Agent>,
    pub reserve: u64,
}

/// Chats with models and agents.
pub struct ChatService {
    directory: Arc<AgentDirectory>,
    coordinator: Arc<ToolCoordinator>,
    default_max_tokens: u32,
}

impl ChatService {
    #[must_use]
    pub fn new(directory: Arc<AgentDirectory>, coordinator: Arc<ToolCoordinator>, default_max_tokens: u32) -> Self {
        ChatService { directory, coordinator, default_max_tokens }
    }

    /// Builds the chat: the agent of type `agent_type` gives the prompt, model and settings; `model` overrides it.
    ///
    /// # Errors
    /// `AgentNotFound`, `AgentDisabled`, `NoModel` when neither is given, `NoMessages`.
    pub async fn prepare(&self, tenant_id: TenantId, input: ChatInput) -> Result<PreparedChat, ChatError> {
        if !input.messages.iter().any(|m| matches!(m, InputMessage::User(_))) {
            return Err(ChatError::NoMessages);
        }
        let agent = match &input.agent_type {
            Some(agent_type) => Some(
                self.directory
                    .by_type(tenant_id, agent_type)
                    .await?
                    .ok_or_else(|| ChatError::AgentNotFound(agent_type.clone()))?,
            ),
            None => None,
        };
        if let Some(agent) = agent.as_ref().filter(|a| a.status == AgentStatus::Disabled) {
            return Err(ChatError::AgentDisabled(agent.name.to_string()));
        }
        if agent.is_none() && input.model.is_none() {
            return Err(ChatError::NoModel);
        }
        let request =
            chat_request(agent.as_ref(), input.model.as_deref(), input.messages, input.max_tokens, input.temperature);
        let reserve = reservation(prompt_chars(&request), request.max_tokens.unwrap_or(self.default_max_tokens));
        Ok(PreparedChat { request, agent, reserve })
    }

    /// The whole answer, after the agent's tool calls if it has tools.
    ///
    /// # Errors
    /// A `RouteError` when no provider served it.
    pub async fn complete(&self, chat: &PreparedChat) -> Result<Routed<ToolRun>, RouteError> {
        let (tools, settings) = self.tools_of(chat);
        self.coordinator.complete(chat.request.clone(), &tools, settings).await
    }

    /// The answer as it is written: tool rounds first (their text passes on too), then the final answer.
    ///
    /// # Errors
    /// A `RouteError` when no provider started it.
    pub async fn stream(&self, chat: &PreparedChat) -> Result<Routed<ChatStream>, RouteError> {
        let (tools, settings) = self.tools_of(chat);
        self.coordinator.stream(chat.request.clone(), &tools, settings).await
    }

    fn tools_of(&self, chat: &PreparedChat) -> (Vec<String>, ares_domain::ToolSettings) {
        let defaults = self.coordinator.defaults();
        match &chat.agent {
            Some(agent) => (agent.config.tools.clone(), defaults.for_agent(&agent.config)),
            None => (Vec::new(), defaults),
        }
    }
}
