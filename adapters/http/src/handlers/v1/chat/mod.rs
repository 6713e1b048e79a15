//! `/v1/chat` and `/v1/chat/stream`: messages to a model, or to the caller's agent of an `agent_type`. Both
//! spellings of the docs are taken: `{"messages": [{"role", "content"}], ...}` and the Quickstart's
//! `{"message": "Hello", "agent_type", "context_id"}`, which keeps the exchange in a conversation.
//! `/v1/chat/completions` is the same chat in OpenAI's Chat Completions format.

pub(crate) mod complete;
pub(crate) mod completions;
mod openai;
pub(crate) mod stream;

use ares_application::usecases::{AgentChoice, ChatInput, Conversing, InputMessage, Sampling};
use ares_domain::{MaxTokens, Temperature};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::views::MessageRole;

/// One message of the conversation.
#[derive(Deserialize, ToSchema)]
pub(crate) struct MessageBody {
    #[schema(value_type = MessageRole, example = "user")]
    role: String,
    #[schema(example = "Hello!")]
    content: String,
}

impl MessageBody {
    /// The message, checked.
    pub(crate) fn input(self) -> Result<InputMessage, ApiError> {
        Ok(match self.role.as_str() {
            "system" => InputMessage::System(self.content),
            "user" => InputMessage::User(self.content),
            "assistant" => InputMessage::Assistant(self.content),
            other => {
                return Err(ApiError::Unprocessable(format!(
                    "Invalid message role: '{other}'. Use system, user or assistant"
                )));
            }
        })
    }
}

/// A chat: `messages`, or one `message` from the user, or both (the message comes last); to a `model`, or to the
/// caller's agent of an `agent_type`, or to the platform's default model.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "messages": [{"role": "user", "content": "Summarize Q1 revenue trends."}],
    "model": "llama-3.3-70b"
}))]
pub(crate) struct ChatBody {
    messages: Option<Vec<MessageBody>>,
    #[schema(example = "Hello!")]
    message: Option<String>,
    #[schema(example = "llama-3.3-70b")]
    model: Option<String>,
    agent_type: Option<String>,
    /// A conversation to continue (`context_id` of an earlier answer). Without it, a `message` starts a new one;
    /// `messages` alone are not kept (the client holds the history).
    #[schema(example = "ctx_a1b2c3d40000000000000000000000ff")]
    context_id: Option<String>,
    /// The answer's token limit, 1 to 1000000; the tier's default when not given.
    #[schema(minimum = 1, maximum = 1_000_000)]
    max_tokens: Option<u32>,
    /// 0 to 2.
    #[schema(minimum = 0.0, maximum = 2.0)]
    temperature: Option<f64>,
    /// `true` answers as `/v1/chat/stream` does.
    #[serde(default)]
    pub(crate) stream: bool,
}

impl ChatBody {
    /// The chat the body asks for, checked.
    pub(crate) fn input(self) -> Result<ChatInput, ApiError> {
        let conversation = conversing(self.context_id.as_deref(), self.message.is_some())?;
        let messages = chat_messages(self.messages, self.message, "messages")?;
        let sampling = Sampling {
            temperature: self.temperature.map(Temperature::parse).transpose()?,
            max_tokens: self.max_tokens.map(MaxTokens::parse).transpose()?,
            ..Sampling::default()
        };
        Ok(ChatInput {
            messages,
            model: self.model,
            agent: self.agent_type.map(AgentChoice::Type),
            sampling,
            conversation,
            ..ChatInput::default()
        })
    }
}

/// The chat's messages: `messages`, then `message` from the user; `Missing required field: <missing>` when both
/// are absent or empty.
pub(crate) fn chat_messages(
    messages: Option<Vec<MessageBody>>,
    message: Option<String>,
    missing: &str,
) -> Result<Vec<InputMessage>, ApiError> {
    let mut all = messages.unwrap_or_default().into_iter().map(MessageBody::input).collect::<Result<Vec<_>, _>>()?;
    all.extend(message.map(InputMessage::User));
    if all.is_empty() {
        return Err(ApiError::BadRequest(format!("Missing required field: {missing}")));
    }
    Ok(all)
}

/// Whether a chat is kept: in the conversation `context_id` names, or in a new one when `kept` says so. A
/// malformed id names no conversation of the caller's, so it is not found like an unknown one.
pub(crate) fn conversing(context_id: Option<&str>, kept: bool) -> Result<Conversing, ApiError> {
    match context_id {
        Some(raw) => {
            raw.parse().map(Conversing::Continue).map_err(|_| ApiError::NotFound("Conversation not found".into()))
        }
        None if kept => Ok(Conversing::New),
        None => Ok(Conversing::No),
    }
}
