//! The outbound model port: complete a chat, stream one, list the upstream's models, embed texts. One adapter per
//! provider wire format; the router in the use cases picks which one serves a request.

use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::Stream;
use serde_json::Value;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
    /// The result of a tool call, answering the assistant's call with the same id.
    Tool,
}

/// A tool the model may call, with JSON-schema parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

/// A call the model made. `arguments` is the JSON text the model produced (it may be malformed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    /// Calls an assistant message made.
    pub tool_calls: Vec<ToolCall>,
    /// For a `Tool` message: the call it answers.
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A plain message of `role`.
    #[must_use]
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        ChatMessage { role, content: content.into(), tool_calls: Vec::new(), tool_call_id: None }
    }
}

/// Whether the model may call the tools it is offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// The tools stay described (the conversation holds calls of them) but the model must answer in text.
    None,
    /// The model must call at least one tool.
    Required,
    /// The model must call this tool.
    Function(String),
}

/// The shape the model must answer in.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ResponseFormat {
    /// Free text.
    #[default]
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON following a schema: OpenAI's `{"name", "schema", "strict"?}` object, passed on as given.
    JsonSchema(Value),
}

/// A chat to complete. `model` is the upstream's own model id. The sampling fields a provider has no way to
/// express are left out of its call (documented per adapter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub system: Option<String>,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: ToolChoice,
    /// `Some(false)` asks for at most one tool call per turn.
    pub parallel_tool_calls: Option<bool>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    /// Sequences that end the answer where they would appear.
    pub stop: Vec<String>,
    pub seed: Option<i64>,
    pub response_format: ResponseFormat,
}

/// Tokens a call used. `estimated` is true only when the provider reported none and ARES counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub estimated: bool,
}

impl Usage {
    /// Prompt plus completion.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }

    /// The usage of two calls together; estimated when either was.
    #[must_use]
    pub fn plus(self, other: Usage) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens.saturating_add(other.prompt_tokens),
            completion_tokens: self.completion_tokens.saturating_add(other.completion_tokens),
            estimated: self.estimated || other.estimated,
        }
    }

    /// A rough count for text a provider did not count: four characters a token.
    #[must_use]
    pub fn estimate(prompt_chars: usize, completion_chars: usize) -> Usage {
        let tokens = |chars: usize| u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX);
        Usage { prompt_tokens: tokens(prompt_chars), completion_tokens: tokens(completion_chars), estimated: true }
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    Other(String),
}

/// A completed chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub finish_reason: FinishReason,
    pub usage: Usage,
}

/// A piece of a streamed chat, in the order it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More answer text.
    Text(String),
    /// A fragment of tool call `index`: the id and name arrive once, the arguments in pieces.
    ToolCall { index: usize, id: Option<String>, name: Option<String>, arguments: String },
    /// Why the model stopped.
    Finish(FinishReason),
    /// The tokens the whole call used; the last event of a stream.
    Usage(Usage),
}

/// A streamed chat. Errors after the stream started arrive as items.
pub type ChatStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, ProviderError>> + Send>>;

/// Embedding vectors, one per input text, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub usage: Usage,
}

/// What a provider call can fail with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// No connection could be made, or it dropped.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The upstream did not answer in time.
    #[error("timed out")]
    Timeout,
    /// The upstream answered with an error status.
    #[error("upstream answered {status}: {message}")]
    Status { status: u16, message: String, retry_after: Option<Duration> },
    /// The upstream's answer does not follow its wire format.
    #[error("invalid upstream response: {0}")]
    Protocol(String),
    /// The provider cannot be used (no API key, disabled, circuit open).
    #[error("provider unavailable: {0}")]
    Unavailable(String),
}

impl ProviderError {
    /// Whether another attempt, or another provider, may succeed: connection errors, timeouts, 408, 429 and 5xx,
    /// malformed answers and unavailable providers. A 4xx caused by the request is final.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::Status { status, .. } => matches!(status, 408 | 429) || *status >= 500,
            _ => true,
        }
    }

    /// How long the upstream asked to wait, when it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A model provider, speaking one wire format.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// Completes a chat.
    ///
    /// # Errors
    /// Any `ProviderError`; `Status` carries the upstream's status and `Retry-After`.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError>;

    /// Starts a streamed chat. Errors before the first byte are returned here; later ones are stream items.
    ///
    /// # Errors
    /// Any `ProviderError`.
    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, ProviderError>;

    /// The model ids the upstream serves.
    ///
    /// # Errors
    /// Any `ProviderError`.
    async fn list_models(&self) -> Result<Vec<String>, ProviderError>;

    /// Embeds `texts` with `model` (an upstream model id).
    ///
    /// # Errors
    /// Any `ProviderError`.
    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ProviderError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_failures_are_retryable() {
        let status = |status| ProviderError::Status { status, message: String::new(), retry_after: None };
        for retryable in [status(429), status(500), status(503), status(408), ProviderError::Timeout] {
            assert!(retryable.is_retryable(), "{retryable:?}");
        }
        for final_ in [status(400), status(401), status(404), status(422)] {
            assert!(!final_.is_retryable(), "{final_:?}");
        }
    }

    #[test]
    fn estimates_count_four_characters_a_token_and_say_so() {
        assert_eq!(Usage::estimate(9, 4), Usage { prompt_tokens: 3, completion_tokens: 1, estimated: true });
    }
}
