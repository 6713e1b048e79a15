//! What end users see of their conversations, their memory and the platform's agents.

use ares_domain::{Conversation, Memory, Message, PlatformAgent};
use serde::Serialize;
use utoipa::ToSchema;

use super::timestamp;

/// A conversation, without its messages.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConversationView {
    #[schema(example = "ctx_a1b2c3d40000000000000000000000ff")]
    pub id: String,
    #[schema(example = "Pricing discussion")]
    pub title: String,
    /// The agent that answered last.
    #[schema(example = "product")]
    pub agent: Option<String>,
    pub message_count: u64,
    #[schema(example = "2026-03-13T09:00:00Z")]
    pub created_at: String,
    #[schema(example = "2026-03-13T09:05:00Z")]
    pub updated_at: String,
}

impl From<&Conversation> for ConversationView {
    fn from(conversation: &Conversation) -> Self {
        ConversationView {
            id: conversation.id.to_string(),
            title: conversation.title.clone(),
            agent: conversation.agent.clone(),
            message_count: conversation.messages,
            created_at: timestamp(conversation.created_at),
            updated_at: timestamp(conversation.updated_at),
        }
    }
}

/// One message of a conversation.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConversationMessageView<'a> {
    #[schema(example = "user")]
    pub role: &'static str,
    pub content: &'a str,
    #[schema(example = "2026-03-13T09:00:00Z")]
    pub created_at: String,
}

/// A conversation with its full message history, oldest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConversationDetailView<'a> {
    #[serde(flatten)]
    pub conversation: ConversationView,
    pub messages: Vec<ConversationMessageView<'a>>,
}

impl<'a> ConversationDetailView<'a> {
    pub(crate) fn new(conversation: &Conversation, messages: &'a [Message]) -> Self {
        let messages = messages
            .iter()
            .map(|m| ConversationMessageView {
                role: m.speaker.as_str(),
                content: &m.content,
                created_at: timestamp(m.at),
            })
            .collect();
        ConversationDetailView { conversation: ConversationView::from(conversation), messages }
    }
}

/// One thing ARES remembers about the user.
#[derive(Serialize, ToSchema)]
pub(crate) struct MemoryView<'a> {
    pub id: String,
    /// `fact` or `preference`.
    #[schema(example = "preference")]
    pub kind: &'static str,
    #[schema(example = "Prefers answers with metric units")]
    pub content: &'a str,
    /// The conversation it was learned from.
    pub source: Option<String>,
    #[schema(example = "2026-03-13T09:00:00Z")]
    pub created_at: String,
}

impl<'a> From<&'a Memory> for MemoryView<'a> {
    fn from(memory: &'a Memory) -> Self {
        MemoryView {
            id: memory.id.to_string(),
            kind: memory.kind.as_str(),
            content: &memory.content,
            source: memory.source.map(|id| id.to_string()),
            created_at: timestamp(memory.created_at),
        }
    }
}

/// A platform agent, as everyone may list it.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlatformAgentView<'a> {
    #[schema(example = "router")]
    pub name: &'a str,
    #[schema(example = "Routes incoming requests to the most appropriate specialist agent.")]
    pub description: &'a str,
    #[schema(example = "llama-3.3-70b-versatile")]
    pub model: &'a str,
    pub tools: &'a [String],
}

impl<'a> From<&'a PlatformAgent> for PlatformAgentView<'a> {
    fn from(agent: &'a PlatformAgent) -> Self {
        PlatformAgentView {
            name: agent.name.as_ref(),
            description: &agent.description,
            model: &agent.config.model,
            tools: &agent.config.tools,
        }
    }
}
