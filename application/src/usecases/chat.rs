//! Chat for clients and users: messages to a model, or to an agent (by `agent_type`, or by name as
//! `agent/<name>`), completed or streamed through the router. An agent answers with its prompt, its model and its
//! server-side tool loop; a tenant speaks to its own agents, a user to theirs, and both to the platform's. Without
//! an agent, the client may offer tools of its own (client-side function calling): the model's calls then go back
//! to the client, and nothing runs here. A chat may continue a conversation (`context_id`): its earlier turns go
//! to the model, the oldest dropped first when they do not fit its context window, and the new turn is kept when
//! the request is recorded. A user's memories join the system prompt.

use std::sync::Arc;

use ares_domain::conversation::{fit_history, memory_prompt, title_from};
use ares_domain::{
    Agent, AgentConfig, AgentName, AgentStatus, ConversationId, Message, Payer, Speaker as Author, TenantId,
    ToolSettings, Turn, UserId,
};
use chrono::{DateTime, Utc};

use super::caller::Caller;
use super::directory::AgentDirectory;
use super::metering::{Budget, Record};
use super::platform_agents::PlatformAgents;
use super::prompt::{InputMessage, Sampling, chat_request, prompt_chars, reserve_for};
use super::router::{ModelRouter, RouteError, Routed};
use super::tools::{ToolCoordinator, ToolRun};
use crate::ports::{
    ChatMessage, ChatRequest, ChatStream, Clock, ConversationRepository, MemoryRepository, RepoError, Role, ToolChoice,
    ToolSpec, UserAgentRepository,
};

/// A model's context window when its configuration does not say, in tokens.
const DEFAULT_CONTEXT_TOKENS: usize = 8192;
/// Characters per token when sizing history to a context window (fewer than the usual four: a margin).
const CHARS_PER_TOKEN: usize = 3;

/// Why a chat cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("Agent not found: {0}")]
    AgentNotFound(String),
    #[error("Agent is disabled: {0}")]
    AgentDisabled(String),
    #[error("Conversation not found")]
    ConversationNotFound,
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
    /// The caller's agent of this name, else (a tenant's) of this type, else the platform's of this name.
    Type(String),
    /// The tenant's agent of this name.
    Name(AgentName),
}

/// An agent that answers: the caller's own or the platform's.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatAgent {
    pub name: String,
    pub config: AgentConfig,
    pub status: AgentStatus,
}

impl ChatAgent {
    fn of(name: impl ToString, config: AgentConfig) -> Self {
        ChatAgent { name: name.to_string(), config, status: AgentStatus::Active }
    }
}

impl From<Agent> for ChatAgent {
    fn from(agent: Agent) -> Self {
        ChatAgent { name: agent.name.to_string(), config: agent.config, status: agent.status }
    }
}

/// Whether a chat is kept as a turn of a conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Conversing {
    /// Not kept: the client holds the history.
    #[default]
    No,
    /// Kept as the first turn of a new conversation.
    New,
    /// Kept in this conversation of the caller's, after its earlier turns.
    Continue(ConversationId),
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
    pub conversation: Conversing,
    /// The agent that speaks when neither `agent` nor the conversation names one (`router` for users).
    pub default_agent: Option<String>,
}

/// A chat ready to route, with the agent it talks to, the tokens to reserve, and the turn to keep.
#[derive(Debug, Clone)]
pub struct PreparedChat {
    pub request: ChatRequest,
    pub agent: Option<ChatAgent>,
    pub reserve: u64,
    /// The conversation's new turn, its answer still empty.
    pub turn: Option<Turn>,
}

impl PreparedChat {
    /// What to record of the chat before it is answered: the agent and the model asked for.
    #[must_use]
    pub fn record(&self) -> Record {
        Record {
            agent: self.agent.as_ref().map(|a| a.name.clone()),
            model: Some(self.request.model.clone()),
            turn: self.turn.clone(),
            ..Record::default()
        }
    }

    /// The conversation the chat is kept in.
    #[must_use]
    pub fn context_id(&self) -> Option<ConversationId> {
        self.turn.as_ref().map(|turn| turn.conversation)
    }

    /// What to record of the chat once routing it failed with `err`.
    #[must_use]
    pub fn failed(&self, err: &RouteError) -> Record {
        self.record().failed_on(err)
    }

    /// What to record of the chat once `routed` answered it.
    #[must_use]
    pub fn answered(&self, routed: &Routed<ToolRun>) -> Record {
        let mut record = self.record();
        if let Some(turn) = &mut record.turn {
            turn.assistant.clone_from(&routed.value.response.text);
        }
        Record {
            model: Some(routed.model.clone()),
            provider: Some(routed.provider.to_string()),
            usage: routed.value.usage,
            ..record
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

/// What chat reaches.
pub struct ChatPorts {
    pub directory: Arc<AgentDirectory>,
    pub coordinator: Arc<ToolCoordinator>,
    pub router: Arc<ModelRouter>,
    pub platform: Arc<PlatformAgents>,
    pub user_agents: Arc<dyn UserAgentRepository>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub memories: Arc<dyn MemoryRepository>,
    pub clock: Arc<dyn Clock>,
    /// The tools a user's agent may use (whatever its stored definition names).
    pub user_tools: Vec<String>,
}

/// Chats with models and agents.
pub struct ChatService {
    ports: ChatPorts,
    default_max_tokens: u32,
}

impl ChatService {
    /// `default_max_tokens` bounds answers that set no `max_tokens` (it is what their admission reserves).
    #[must_use]
    pub fn new(ports: ChatPorts, default_max_tokens: u32) -> Self {
        ChatService { ports, default_max_tokens }
    }

    /// Builds the caller's chat: the agent gives the prompt, model and settings; `model` overrides its model; a
    /// continued conversation gives its earlier turns, a user's memories join the system prompt.
    ///
    /// # Errors
    /// `AgentNotFound`, `AgentDisabled`, `ConversationNotFound` (another account's included), `NoModel` when
    /// neither is given, `NoMessages`.
    pub async fn prepare(&self, caller: &Caller, input: ChatInput) -> Result<PreparedChat, ChatError> {
        let said = input.messages.iter().rev().find_map(|m| match m {
            InputMessage::User(text) => Some(text.clone()),
            _ => None,
        });
        let Some(said) = said else { return Err(ChatError::NoMessages) };
        let (history, last_agent) = match input.conversation {
            Conversing::Continue(id) => self.conversation(caller, id).await?,
            Conversing::No | Conversing::New => (Vec::new(), None),
        };
        // Without a choice, a conversation goes on with the agent that answered it last.
        let choice = input.agent.clone().or(last_agent.map(AgentChoice::Type));
        let choice = choice.or_else(|| input.default_agent.clone().map(AgentChoice::Type));
        let agent = match &choice {
            Some(choice) => Some(self.agent_for(caller, choice).await?),
            None => None,
        };
        if let Some(agent) = agent.as_ref().filter(|a| a.status == AgentStatus::Disabled) {
            return Err(ChatError::AgentDisabled(agent.name.clone()));
        }
        if agent.is_none() && input.model.is_none() {
            return Err(ChatError::NoModel);
        }
        let config = agent.as_ref().map(|a| &a.config);
        let mut request = chat_request(config, input.model.as_deref(), input.messages, input.sampling);
        if agent.is_none() {
            let ClientTools { tools, choice, parallel_calls } = input.client_tools;
            (request.tools, request.tool_choice, request.parallel_tool_calls) = (tools, choice, parallel_calls);
        }
        if let Payer::User(user_id) = caller.payer {
            self.remember(&mut request, user_id).await?;
        }
        self.fit(&mut request, &history);
        let reserve = reserve_for(&mut request, self.default_max_tokens);
        let turn = self.turn(caller, input.conversation, agent.as_ref(), said);
        Ok(PreparedChat { request, agent, reserve, turn })
    }

    /// The agent `choice` names for `caller`: a tenant's by name, else by type; a user's by name; else the
    /// platform's by name.
    async fn agent_for(&self, caller: &Caller, choice: &AgentChoice) -> Result<ChatAgent, ChatError> {
        let label = match choice {
            AgentChoice::Type(label) => label.clone(),
            AgentChoice::Name(name) => name.to_string(),
        };
        let own = match (caller.payer, choice) {
            (Payer::Tenant(tenant_id), AgentChoice::Name(name)) => self.tenant_agent(tenant_id, name).await?,
            (Payer::Tenant(tenant_id), AgentChoice::Type(label)) => self.tenant_agent_of(tenant_id, label).await?,
            (Payer::User(user_id), _) => self.user_agent(user_id, &label).await?,
        };
        let platform = || self.ports.platform.find(&label).map(|a| ChatAgent::of(&a.name, a.config.clone()));
        own.or_else(platform).ok_or(ChatError::AgentNotFound(label))
    }

    async fn tenant_agent(&self, tenant_id: TenantId, name: &AgentName) -> Result<Option<ChatAgent>, ChatError> {
        Ok(self.ports.directory.by_name(tenant_id, name).await?.map(ChatAgent::from))
    }

    async fn tenant_agent_of(&self, tenant_id: TenantId, label: &str) -> Result<Option<ChatAgent>, ChatError> {
        if let Ok(name) = AgentName::parse(label)
            && let Some(agent) = self.tenant_agent(tenant_id, &name).await?
        {
            return Ok(Some(agent));
        }
        Ok(self.ports.directory.by_type(tenant_id, label).await?.map(ChatAgent::from))
    }

    async fn user_agent(&self, user_id: UserId, label: &str) -> Result<Option<ChatAgent>, ChatError> {
        let Ok(name) = AgentName::parse(label) else { return Ok(None) };
        let found = self.ports.user_agents.find(user_id, &name).await?;
        Ok(found.map(|mut agent| {
            agent.config.tools.retain(|tool| self.ports.user_tools.contains(tool));
            ChatAgent::of(&agent.name, agent.config)
        }))
    }

    /// The earlier turns of the caller's conversation `id`, and the agent that answered it last.
    async fn conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<(Vec<Message>, Option<String>), ChatError> {
        let found = self.ports.conversations.get(caller.account(), id).await?;
        let (conversation, messages) = found.ok_or(ChatError::ConversationNotFound)?;
        Ok((messages, conversation.agent))
    }

    /// Puts `history` before the chat's messages, the oldest turns dropped first when the model's context window
    /// cannot hold them with the prompt and the answer.
    fn fit(&self, request: &mut ChatRequest, history: &[Message]) {
        if history.is_empty() {
            return;
        }
        let window = self.ports.router.model_of(&request.model).and_then(|m| m.context_length);
        let window = window.map_or(DEFAULT_CONTEXT_TOKENS, |tokens| tokens as usize);
        let answer = request.max_tokens.unwrap_or(self.default_max_tokens) as usize;
        let budget =
            window.saturating_sub(answer).saturating_mul(CHARS_PER_TOKEN).saturating_sub(prompt_chars(request));
        let earlier = fit_history(history, budget).iter().map(|m| {
            let role = if m.speaker == Author::User { Role::User } else { Role::Assistant };
            ChatMessage::text(role, m.content.clone())
        });
        request.messages = earlier.chain(std::mem::take(&mut request.messages)).collect();
    }

    /// Adds what is remembered about the user to the system prompt.
    async fn remember(&self, request: &mut ChatRequest, user_id: UserId) -> Result<(), ChatError> {
        let memories = self.ports.memories.list(user_id).await?;
        if let Some(memory) = memory_prompt(&memories) {
            request.system = Some(match request.system.take() {
                Some(system) => format!("{system}\n\n{memory}"),
                None => memory,
            });
        }
        Ok(())
    }

    fn turn(&self, caller: &Caller, conversing: Conversing, agent: Option<&ChatAgent>, said: String) -> Option<Turn> {
        let (conversation, title) = match conversing {
            Conversing::No => return None,
            Conversing::New => (ConversationId::new(), Some(title_from(&said))),
            Conversing::Continue(id) => (id, None),
        };
        Some(Turn {
            conversation,
            owner: caller.account(),
            agent: agent.map(|a| a.name.clone()),
            title,
            user: said,
            assistant: String::new(),
            at: self.ports.clock.now(),
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
                self.ports.coordinator.complete(chat.request.clone(), &tools, settings, budget).await
            }
            None => {
                let routed = self.ports.router.complete(&chat.request).await?;
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
                self.ports.coordinator.stream(chat.request.clone(), &tools, settings, budget).await
            }
            None => self.ports.router.stream(&chat.request).await,
        }
    }

    /// What the tenant may name as a model: every configured model (by the name clients use), then its agents as
    /// `agent/<name>`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn callable(&self, tenant_id: TenantId) -> Result<Vec<Callable>, ChatError> {
        let models = self.ports.router.models().into_iter().map(|status| Callable {
            id: status.model.name.to_string(),
            owner: status.provider.to_string(),
            created: None,
        });
        let agents = self.ports.directory.all(tenant_id).await?;
        let agents = agents.iter().map(|agent| Callable {
            id: format!("{AGENT_PREFIX}{}", agent.name),
            owner: tenant_id.to_string(),
            created: Some(agent.created_at),
        });
        Ok(models.chain(agents).collect())
    }

    fn tools_of(&self, agent: &ChatAgent) -> (Vec<String>, ToolSettings) {
        (agent.config.tools.clone(), self.ports.coordinator.defaults().for_agent(&agent.config))
    }
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
