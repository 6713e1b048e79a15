//! The OpenAI Chat Completions wire format (`/chat/completions`, its SSE chunks, `/models`, `/embeddings` and the
//! error body), typed once for both directions: the outbound adapter writes requests and reads answers with it, an
//! inbound OpenAI-compatible route reads requests and writes answers with it. Unknown fields are ignored, absent
//! optional ones are not written, and what upstreams are known to send loosely (`null` lists, `"usage": null`,
//! missing ids) is read leniently.

use std::fmt;

use ares_application::ports::{FinishReason, ResponseFormat, ToolCall, ToolChoice, ToolSpec, Usage};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use super::{constant, lenient, nullable};

constant!(
    /// `"object": "chat.completion"`.
    ChatCompletionObject = "chat.completion"
);
constant!(
    /// `"object": "chat.completion.chunk"`.
    ChunkObject = "chat.completion.chunk"
);
constant!(
    /// `"object": "list"`.
    ListObject = "list"
);
constant!(
    /// `"object": "model"`.
    ModelObject = "model"
);
constant!(
    /// `"object": "embedding"`.
    EmbeddingObject = "embedding"
);
constant!(
    /// `"type": "function"`, the one kind of tool ARES speaks.
    FunctionType = "function"
);
constant!(
    /// `"role": "assistant"` of an answer.
    AssistantRole = "assistant"
);

/// The arguments of a call that came without any.
const NO_ARGUMENTS: &str = "{}";

// ---------------------------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------------------------

/// `POST /chat/completions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatCompletionRequest {
    pub model: String,
    pub messages: Vec<MessageParam>,
    /// 0 to 2 on ARES.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 2.0))]
    pub temperature: Option<f64>,
    /// 0 to 1 on ARES.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 1.0))]
    pub top_p: Option<f64>,
    /// At most 1000000 on ARES.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub max_tokens: Option<u32>,
    /// At most 1000000 on ARES; taken over `max_tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub max_completion_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopSequences>,
    /// Only 1 on ARES.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub n: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormatParam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tools: Vec<FunctionTool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoiceOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

impl ChatCompletionRequest {
    /// Whether the client asked for a stream.
    #[must_use]
    pub fn is_stream(&self) -> bool {
        self.stream == Some(true)
    }

    /// Whether a streaming client asked for the usage-only final chunk.
    #[must_use]
    pub fn include_usage(&self) -> bool {
        self.stream_options.as_ref().and_then(|options| options.include_usage) == Some(true)
    }

    /// The answer's token limit: `max_completion_tokens`, else the older `max_tokens`.
    #[must_use]
    pub fn max_output_tokens(&self) -> Option<u32> {
        self.max_completion_tokens.or(self.max_tokens)
    }

    /// The stop sequences, however they were written.
    #[must_use]
    pub fn stop_sequences(&self) -> Vec<String> {
        self.stop.clone().map(StopSequences::into_vec).unwrap_or_default()
    }
}

/// One message of a request, by role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum MessageParam {
    System {
        content: MessageContent,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// The newer name of `system` for reasoning models.
    Developer {
        content: MessageContent,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    User {
        content: MessageContent,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// An earlier answer; `content` is `null` when it only called tools.
    Assistant {
        #[serde(default)]
        content: Option<MessageContent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
        tool_calls: Vec<MessageToolCall>,
    },
    /// The result of the call `tool_call_id`.
    Tool { content: MessageContent, tool_call_id: String },
}

impl MessageParam {
    /// The message's text (see [`MessageContent::text`]); an assistant message without content has none.
    ///
    /// # Errors
    /// When the content holds a part that is not text.
    pub fn text(&self) -> Result<String, UnsupportedContent> {
        match self {
            MessageParam::System { content, .. }
            | MessageParam::Developer { content, .. }
            | MessageParam::User { content, .. }
            | MessageParam::Tool { content, .. } => content.text(),
            MessageParam::Assistant { content, .. } => {
                content.as_ref().map_or_else(|| Ok(String::new()), MessageContent::text)
            }
        }
    }
}

/// A message's content: a string, or an array of parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Parts(Vec<ContentPart>),
}

impl MessageContent {
    /// The content as one text, its text parts joined with a newline.
    ///
    /// # Errors
    /// When a part is not text (an image, audio, a file, ...).
    pub fn text(&self) -> Result<String, UnsupportedContent> {
        match self {
            MessageContent::Text(text) => Ok(text.clone()),
            MessageContent::Parts(parts) => {
                let texts = parts.iter().map(ContentPart::as_text).collect::<Result<Vec<_>, _>>()?;
                Ok(texts.join("\n"))
            }
        }
    }
}

/// One part of a message's content. Only text is understood; any other part (`image_url`, `input_audio`, `file`,
/// `refusal`, ...) is kept as sent, so that a route can refuse it by its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum ContentPart {
    /// `{"type": "text", "text": ...}`.
    Text { text: String },
    /// A part of another type, as sent.
    Other(Value),
}

impl ContentPart {
    /// The part's `type`.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            ContentPart::Text { .. } => "text",
            ContentPart::Other(value) => value.get("type").and_then(Value::as_str).unwrap_or_default(),
        }
    }

    fn as_text(&self) -> Result<&str, UnsupportedContent> {
        match self {
            ContentPart::Text { text } => Ok(text),
            ContentPart::Other(_) => Err(UnsupportedContent { part_type: self.kind().to_owned() }),
        }
    }
}

impl TryFrom<Value> for ContentPart {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        if !value.is_object() {
            return Err(format!("a content part must be an object, not {value}"));
        }
        if value.get("type").and_then(Value::as_str) != Some("text") {
            return Ok(ContentPart::Other(value));
        }
        match value.get("text").and_then(Value::as_str) {
            Some(text) => Ok(ContentPart::Text { text: text.to_owned() }),
            None => Err("a text content part needs a string `text`".to_owned()),
        }
    }
}

impl From<ContentPart> for Value {
    fn from(part: ContentPart) -> Value {
        match part {
            ContentPart::Text { text } => json!({"type": "text", "text": text}),
            ContentPart::Other(value) => value,
        }
    }
}

/// A part is an object with a `type`; a text part has its `text`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ContentPart {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .property("type", ObjectBuilder::new().schema_type(Type::String))
            .required("type")
            .property("text", ObjectBuilder::new().schema_type(Type::String))
            .description(Some("`{\"type\": \"text\", \"text\": ...}`; parts of other types are refused"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ContentPart {}

/// A content part ARES cannot pass on: only text parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedContent {
    /// The `type` of the part.
    pub part_type: String,
}

impl fmt::Display for UnsupportedContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "content parts of type '{}' are not supported; only 'text' parts are", self.part_type)
    }
}

impl std::error::Error for UnsupportedContent {}

/// A call an assistant message made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageToolCall {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: FunctionType,
    pub function: FunctionCall,
}

/// The function a call names, with its JSON arguments as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionCall {
    pub name: String,
    /// JSON text; an upstream that sends an object has it written out, one that sends none gets `{}`.
    #[serde(default = "no_arguments", deserialize_with = "arguments_text")]
    pub arguments: String,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionTool {
    #[serde(rename = "type", default)]
    pub kind: FunctionType,
    pub function: FunctionDefinition,
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionDefinition {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A JSON schema of the arguments; absent means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// `tool_choice`: a mode, or one named function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ToolChoiceOption {
    Mode(ToolChoiceMode),
    Named(NamedToolChoice),
}

/// `"none"`, `"auto"` or `"required"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ToolChoiceMode {
    None,
    Auto,
    Required,
}

/// `{"type": "function", "function": {"name": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedToolChoice {
    #[serde(rename = "type", default)]
    pub kind: FunctionType,
    pub function: FunctionName,
}

/// `{"name": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionName {
    pub name: String,
}

/// `response_format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormatParam {
    Text,
    JsonObject,
    /// `json_schema` is `{"name", "description"?, "schema"?, "strict"?}`, passed on as given.
    JsonSchema {
        json_schema: Value,
    },
}

/// `stop`: one sequence or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum StopSequences {
    One(String),
    Many(Vec<String>),
}

impl StopSequences {
    /// The sequences as a list.
    #[must_use]
    pub fn into_vec(self) -> Vec<String> {
        match self {
            StopSequences::One(stop) => vec![stop],
            StopSequences::Many(stops) => stops,
        }
    }
}

/// `stream_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
}

// ---------------------------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------------------------

/// A completed chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatCompletion {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub object: ChatCompletionObject,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub model: String,
    #[serde(default, deserialize_with = "nullable")]
    pub choices: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub usage: Option<CompletionUsage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
}

/// One answer of a completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Choice {
    #[serde(default)]
    pub index: usize,
    pub message: ResponseMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Always `null`: ARES reports no log probabilities.
    #[serde(default)]
    pub logprobs: Option<Value>,
}

/// The assistant's message in an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseMessage {
    #[serde(default)]
    pub role: AssistantRole,
    /// `null` when the model only called tools.
    #[serde(default, deserialize_with = "lenient")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tool_calls: Vec<MessageToolCall>,
}

/// The tokens a call used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletionUsage {
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

// ---------------------------------------------------------------------------------------------------------------
// Stream
// ---------------------------------------------------------------------------------------------------------------

/// One `data:` event of a streamed completion. The last one of a stream asked with `include_usage` has no choices
/// and the usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatCompletionChunk {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub object: ChunkObject,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub model: String,
    #[serde(default, deserialize_with = "nullable")]
    pub choices: Vec<ChunkChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub usage: Option<CompletionUsage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
}

/// The piece of one answer a chunk carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChunkChoice {
    #[serde(default)]
    pub index: usize,
    #[serde(default)]
    pub delta: ChunkDelta,
    /// `null` until the last chunk of the answer.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Always `null`.
    #[serde(default)]
    pub logprobs: Option<Value>,
}

/// What a chunk adds to the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChunkDelta {
    /// Set on the first chunk only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AssistantRole>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tool_calls: Vec<ToolCallDelta>,
}

/// A fragment of tool call `index`: the id, type and name come once, the arguments in pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCallDelta {
    #[serde(default)]
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FunctionType>,
    #[serde(default)]
    pub function: FunctionCallDelta,
}

/// The function part of a tool call fragment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionCallDelta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub arguments: Option<String>,
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, models, embeddings
// ---------------------------------------------------------------------------------------------------------------

/// An error answer: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    /// An error of `kind` (`invalid_request_error`, ...) without `param` or `code`.
    #[must_use]
    pub fn new(message: impl Into<String>, kind: impl Into<String>) -> Self {
        ErrorBody { error: ErrorDetail { message: message.into(), kind: kind.into(), param: None, code: None } }
    }
}

/// What went wrong; `param` and `code` are written as `null` when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient")]
    pub param: Option<String>,
    /// Some upstreams send a number: it is read as its text.
    #[serde(default, deserialize_with = "code_text")]
    pub code: Option<String>,
}

/// `GET /models`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelList {
    #[serde(default)]
    pub object: ListObject,
    pub data: Vec<Model>,
}

/// One model of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Model {
    pub id: String,
    #[serde(default)]
    pub object: ModelObject,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub owned_by: String,
}

/// `POST /embeddings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    pub model: String,
    pub input: EmbeddingInput,
    /// The official Python SDK asks for `base64` unless told otherwise, and reads floats as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<EncodingFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// What to embed: texts, or token ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingInput {
    Text(String),
    Texts(Vec<String>),
    Tokens(Vec<u32>),
    TokenBatches(Vec<Vec<u32>>),
}

impl EmbeddingInput {
    /// The texts to embed; `None` for token ids.
    #[must_use]
    pub fn texts(&self) -> Option<Vec<String>> {
        match self {
            EmbeddingInput::Text(text) => Some(vec![text.clone()]),
            EmbeddingInput::Texts(texts) => Some(texts.clone()),
            EmbeddingInput::Tokens(_) | EmbeddingInput::TokenBatches(_) => None,
        }
    }
}

/// How vectors are written in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodingFormat {
    Float,
    Base64,
}

/// The answer to `POST /embeddings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingResponse {
    #[serde(default)]
    pub object: ListObject,
    pub data: Vec<Embedding>,
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub usage: Option<EmbeddingUsage>,
}

/// The vector of input `index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    #[serde(default)]
    pub object: EmbeddingObject,
    pub embedding: EmbeddingVector,
    #[serde(default)]
    pub index: usize,
}

/// A vector as numbers, or as base64 of its little-endian `f32`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    Float(Vec<f32>),
    Base64(String),
}

/// The tokens an embedding call read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingUsage {
    pub prompt_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

// ---------------------------------------------------------------------------------------------------------------
// Conversions with the port's types
// ---------------------------------------------------------------------------------------------------------------

/// A wire `finish_reason` as the port's; `function_call` is the old name of `tool_calls`.
#[must_use]
pub fn finish_reason_from_wire(raw: &str) -> FinishReason {
    match raw {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        other => FinishReason::Other(other.to_owned()),
    }
}

/// The wire `finish_reason` of the port's.
#[must_use]
pub fn finish_reason_to_wire(reason: &FinishReason) -> &str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::Other(other) => other,
    }
}

impl From<&ToolChoice> for ToolChoiceOption {
    fn from(choice: &ToolChoice) -> Self {
        match choice {
            ToolChoice::Auto => ToolChoiceOption::Mode(ToolChoiceMode::Auto),
            ToolChoice::None => ToolChoiceOption::Mode(ToolChoiceMode::None),
            ToolChoice::Required => ToolChoiceOption::Mode(ToolChoiceMode::Required),
            ToolChoice::Function(name) => ToolChoiceOption::Named(NamedToolChoice {
                kind: FunctionType,
                function: FunctionName { name: name.clone() },
            }),
        }
    }
}

impl From<ToolChoiceOption> for ToolChoice {
    fn from(choice: ToolChoiceOption) -> Self {
        match choice {
            ToolChoiceOption::Mode(ToolChoiceMode::Auto) => ToolChoice::Auto,
            ToolChoiceOption::Mode(ToolChoiceMode::None) => ToolChoice::None,
            ToolChoiceOption::Mode(ToolChoiceMode::Required) => ToolChoice::Required,
            ToolChoiceOption::Named(named) => ToolChoice::Function(named.function.name),
        }
    }
}

impl From<&ResponseFormat> for ResponseFormatParam {
    fn from(format: &ResponseFormat) -> Self {
        match format {
            ResponseFormat::Text => ResponseFormatParam::Text,
            ResponseFormat::JsonObject => ResponseFormatParam::JsonObject,
            ResponseFormat::JsonSchema(schema) => ResponseFormatParam::JsonSchema { json_schema: schema.clone() },
        }
    }
}

impl From<ResponseFormatParam> for ResponseFormat {
    fn from(format: ResponseFormatParam) -> Self {
        match format {
            ResponseFormatParam::Text => ResponseFormat::Text,
            ResponseFormatParam::JsonObject => ResponseFormat::JsonObject,
            ResponseFormatParam::JsonSchema { json_schema } => ResponseFormat::JsonSchema(json_schema),
        }
    }
}

impl From<Usage> for CompletionUsage {
    fn from(usage: Usage) -> Self {
        CompletionUsage {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.total(),
        }
    }
}

/// An upstream's count, so not estimated.
impl From<CompletionUsage> for Usage {
    fn from(usage: CompletionUsage) -> Self {
        Usage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, estimated: false }
    }
}

impl From<&ToolSpec> for FunctionTool {
    fn from(tool: &ToolSpec) -> Self {
        FunctionTool {
            kind: FunctionType,
            function: FunctionDefinition {
                name: tool.name.clone(),
                description: Some(tool.description.clone()),
                parameters: Some(tool.parameters.clone()),
                strict: None,
            },
        }
    }
}

/// A function without `parameters` takes none: an empty object schema.
impl From<FunctionTool> for ToolSpec {
    fn from(tool: FunctionTool) -> Self {
        let FunctionDefinition { name, description, parameters, .. } = tool.function;
        ToolSpec {
            name,
            description: description.unwrap_or_default(),
            parameters: parameters.unwrap_or_else(|| json!({"type": "object", "properties": {}})),
        }
    }
}

impl From<&ToolCall> for MessageToolCall {
    fn from(call: &ToolCall) -> Self {
        MessageToolCall {
            id: call.id.clone(),
            kind: FunctionType,
            function: FunctionCall { name: call.name.clone(), arguments: call.arguments.clone() },
        }
    }
}

impl From<MessageToolCall> for ToolCall {
    fn from(call: MessageToolCall) -> Self {
        ToolCall { id: call.id, name: call.function.name, arguments: call.function.arguments }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Field readers
// ---------------------------------------------------------------------------------------------------------------

fn no_arguments() -> String {
    NO_ARGUMENTS.to_owned()
}

/// Arguments as JSON text: a string as it is, an object written out, `null` as no arguments.
fn arguments_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => text,
        Value::Null => no_arguments(),
        other => other.to_string(),
    })
}

/// An error code as text, whether sent as a string or a number.
fn code_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => None,
        Value::String(code) => Some(code),
        other => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests;
