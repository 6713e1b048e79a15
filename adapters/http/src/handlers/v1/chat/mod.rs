//! `/v1/chat` and `/v1/chat/stream`: messages to a model, or to the caller's agent of an `agent_type`. Both
//! spellings of the docs are taken: `{"messages": [{"role", "content"}], ...}` and `{"message": "Hello", ...}`.

pub(crate) mod complete;
pub(crate) mod stream;

use ares_application::usecases::{ChatInput, InputMessage};
use serde::Deserialize;

use crate::ApiError;

#[derive(Deserialize)]
pub(crate) struct MessageBody {
    role: String,
    content: String,
}

#[derive(Deserialize)]
pub(crate) struct ChatBody {
    messages: Option<Vec<MessageBody>>,
    message: Option<String>,
    model: Option<String>,
    agent_type: Option<String>,
    max_tokens: Option<u32>,
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
        if let Some(t) = self.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
            return Err(ApiError::Unprocessable(format!("Invalid temperature: {t}. Use 0-2")));
        }
        if self.max_tokens == Some(0) {
            return Err(ApiError::Unprocessable("Invalid max_tokens: 0. Use at least 1".into()));
        }
        Ok(ChatInput {
            messages,
            model: self.model,
            agent_type: self.agent_type,
            max_tokens: self.max_tokens,
            temperature: self.temperature,
        })
    }
}
