//! `/api/chat` and `/api/chat/stream`: a signed-in user's chat with an agent (`agent_type`: the user's own agent of
//! that name, else the platform's; without it, the conversation's last agent, else `router`), kept in a
//! conversation (`context_id` continues one). The guide's `messages` array is taken too; its last user message is
//! the turn that is kept.

pub(crate) mod send;
pub(crate) mod stream;

use ares_application::usecases::{AgentChoice, ChatInput, PlatformAgents};
use serde::Deserialize;
use utoipa::ToSchema;

use super::v1::chat::{MessageBody, chat_messages, conversing};
use crate::ApiError;

/// A user's message to an agent.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"message": "What pricing plans do you offer?", "agent_type": "product"}))]
pub(crate) struct UserChatBody {
    #[schema(example = "What pricing plans do you offer?")]
    message: Option<String>,
    /// The guide's form: the conversation so far, the last user message being the new one.
    messages: Option<Vec<MessageBody>>,
    /// Which agent answers: one of the user's own, else the platform's. When not given: the agent that answered
    /// the conversation last, else `router`.
    #[schema(example = "product")]
    agent_type: Option<String>,
    /// A conversation to continue (`context_id` of an earlier answer).
    #[schema(example = "ctx_a1b2c3d40000000000000000000000ff")]
    context_id: Option<String>,
}

impl UserChatBody {
    /// The chat the body asks for, checked.
    pub(crate) fn input(self) -> Result<ChatInput, ApiError> {
        let conversation = conversing(self.context_id.as_deref(), true)?;
        let messages = chat_messages(self.messages, self.message, "message")?;
        Ok(ChatInput {
            messages,
            agent: self.agent_type.map(AgentChoice::Type),
            conversation,
            default_agent: Some(PlatformAgents::DEFAULT.to_owned()),
            ..ChatInput::default()
        })
    }
}
