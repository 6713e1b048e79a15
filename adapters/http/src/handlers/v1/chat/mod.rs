//! `/v1/chat` and `/v1/chat/stream`: messages to a model, or to the caller's agent of an `agent_type`. Both
//! spellings of the docs are taken: `{"messages": [{"role", "content"}], ...}` and `{"message": "Hello", ...}`.
//! `/v1/chat/completions` is the same chat in OpenAI's Chat Completions format.

pub(crate) mod complete;
pub(crate) mod completions;
mod openai;
pub(crate) mod stream;

use ares_application::usecases::{AgentChoice, ChatInput, InputMessage, Sampling};
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
        let mut messages = Vec::new();
        for message in self.messages.unwrap_or_default() {
            messages.push(match message.role.as_str() {
                "system" => InputMessage::System(message.content),
                "user" => InputMessage::User(message.content),
                "assistant" => InputMessage::Assistant(message.content),
                other => {
                    return Err(ApiError::Unprocessable(format!(
                        "Invalid message role: '{other}'. Use system, user or assistant"
                    )));
                }
            });
        }
        messages.extend(self.message.map(InputMessage::User));
        if messages.is_empty() {
            return Err(ApiError::BadRequest("Missing required field: messages".into()));
        }
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
            ..ChatInput::default()
        })
    }
}
