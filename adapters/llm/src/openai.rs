//! The OpenAI-compatible wire format (`/chat/completions`, `/models`, `/embeddings`), spoken by OpenAI, Groq,
//! NVIDIA, vLLM, Together, Fireworks and the like, through the typed structs of `wire::openai`. Every field of a
//! `ChatRequest` has an OpenAI field; `tool_choice` and `parallel_tool_calls` go only with tools, and a text
//! `response_format` (the default) is left out.

use ares_application::ports::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ChatStream, Embeddings, FinishReason, ProviderError,
    ResponseFormat, Role, StreamEvent, ToolCall, ToolSpec, Usage,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

use crate::http::Endpoint;
use ares_application::usecases::prompt_chars;

use crate::stream::{Framing, Parsed, events};
use crate::wire::openai::{
    ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingInput, EmbeddingRequest, EmbeddingResponse,
    EmbeddingVector, ErrorBody, FunctionTool, MessageContent, MessageParam, MessageToolCall, ModelList,
    ResponseFormatParam, StopSequences, StreamOptions, ToolChoiceOption, finish_reason_from_wire,
};

/// A provider speaking the OpenAI chat completions API.
#[derive(Debug, Clone)]
pub struct OpenAi {
    endpoint: Endpoint,
}

impl OpenAi {
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.endpoint.api_key() {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }
}

/// Tools as OpenAI functions (`{"type": "function", "function": {name, description, parameters}}`), as Ollama
/// takes them too.
pub(crate) fn function_tools<'a>(tools: impl IntoIterator<Item = &'a ToolSpec>) -> Vec<FunctionTool> {
    tools.into_iter().map(FunctionTool::from).collect()
}

fn chat_request(request: &ChatRequest, stream: bool) -> ChatCompletionRequest {
    let tools = function_tools(&request.tools);
    let offers_tools = !tools.is_empty();
    ChatCompletionRequest {
        model: request.model.clone(),
        messages: messages(request),
        temperature: request.temperature,
        top_p: request.top_p,
        max_tokens: request.max_tokens,
        stop: (!request.stop.is_empty()).then(|| StopSequences::Many(request.stop.clone())),
        response_format: (request.response_format != ResponseFormat::Text)
            .then(|| ResponseFormatParam::from(&request.response_format)),
        seed: request.seed,
        tool_choice: offers_tools.then(|| ToolChoiceOption::from(&request.tool_choice)),
        parallel_tool_calls: request.parallel_tool_calls.filter(|_| offers_tools),
        tools,
        stream: Some(stream),
        stream_options: stream.then_some(StreamOptions { include_usage: Some(true) }),
        ..ChatCompletionRequest::default()
    }
}

fn messages(request: &ChatRequest) -> Vec<MessageParam> {
    let system = request.system.iter().map(|system| MessageParam::System { content: text(system), name: None });
    system.chain(request.messages.iter().map(message)).collect()
}

fn message(message: &ChatMessage) -> MessageParam {
    let content = text(&message.content);
    match message.role {
        Role::User => MessageParam::User { content, name: None },
        Role::Tool => MessageParam::Tool { content, tool_call_id: message.tool_call_id.clone().unwrap_or_default() },
        // An assistant turn that only called tools has `null` content.
        Role::Assistant => MessageParam::Assistant {
            content: (message.tool_calls.is_empty() || !message.content.is_empty()).then_some(content),
            name: None,
            tool_calls: message.tool_calls.iter().map(MessageToolCall::from).collect(),
        },
    }
}

fn text(content: &str) -> MessageContent {
    MessageContent::Text(content.to_owned())
}

fn protocol(what: &str) -> ProviderError {
    ProviderError::Protocol(format!("chat completion without {what}"))
}

fn response(request: &ChatRequest, completion: ChatCompletion) -> Result<ChatResponse, ProviderError> {
    let choice = completion.choices.into_iter().next().ok_or_else(|| protocol("choices"))?;
    let text = choice.message.content.unwrap_or_default();
    let tool_calls: Vec<ToolCall> = choice.message.tool_calls.into_iter().map(ToolCall::from).collect();
    let finish_reason = choice.finish_reason.as_deref().map_or(FinishReason::Stop, finish_reason_from_wire);
    let arguments: usize = tool_calls.iter().map(|call| call.arguments.len()).sum();
    let usage =
        completion.usage.map_or_else(|| Usage::estimate(prompt_chars(request), text.len() + arguments), Usage::from);
    Ok(ChatResponse { text, tool_calls, finish_reason, usage })
}

/// One `data:` payload of a streamed completion: `[DONE]`, an error, or a chunk.
fn chunk(data: &str) -> Result<Parsed, ProviderError> {
    if data.trim() == "[DONE]" {
        return Ok(Parsed::End(Vec::new()));
    }
    let bad_chunk = |err: serde_json::Error| ProviderError::Protocol(format!("bad chunk: {err}"));
    let value: Value = serde_json::from_str(data).map_err(bad_chunk)?;
    if let Ok(ErrorBody { error }) = ErrorBody::deserialize(&value) {
        return Err(ProviderError::Protocol(format!("stream error: {}", error.message)));
    }
    Ok(Parsed::Events(chunk_events(ChatCompletionChunk::deserialize(value).map_err(bad_chunk)?)))
}

/// The events of a chunk's first choice, then its usage.
fn chunk_events(chunk: ChatCompletionChunk) -> Vec<StreamEvent> {
    let mut events = Vec::new();
    if let Some(choice) = chunk.choices.into_iter().next() {
        if let Some(text) = choice.delta.content.filter(|text| !text.is_empty()) {
            events.push(StreamEvent::Text(text));
        }
        events.extend(choice.delta.tool_calls.into_iter().map(|call| StreamEvent::ToolCall {
            index: call.index,
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments.unwrap_or_default(),
        }));
        if let Some(reason) = choice.finish_reason {
            events.push(StreamEvent::Finish(finish_reason_from_wire(&reason)));
        }
    }
    events.extend(chunk.usage.map(|usage| StreamEvent::Usage(usage.into())));
    events
}

fn embedding_request(model: &str, texts: &[String]) -> EmbeddingRequest {
    EmbeddingRequest {
        model: model.to_owned(),
        input: EmbeddingInput::Texts(texts.to_vec()),
        encoding_format: None,
        dimensions: None,
        user: None,
    }
}

/// The vectors in input order, and the usage (estimated when the upstream gave none).
fn embeddings(texts: &[String], mut response: EmbeddingResponse) -> Result<Embeddings, ProviderError> {
    response.data.sort_by_key(|item| item.index);
    let vectors = response
        .data
        .into_iter()
        .map(|item| match item.embedding {
            EmbeddingVector::Float(vector) => Ok(vector),
            EmbeddingVector::Base64(_) => Err(protocol("a numeric embedding")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let usage = response.usage.map_or_else(
        || Usage::estimate(texts.iter().map(String::len).sum(), 0),
        |usage| Usage { prompt_tokens: usage.prompt_tokens, completion_tokens: 0, estimated: false },
    );
    Ok(Embeddings { vectors, usage })
}

#[async_trait]
impl ChatModel for OpenAi {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let http = self.authorized(self.endpoint.post("/chat/completions", false)).json(&chat_request(request, false));
        response(request, self.endpoint.json(http).await?)
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, ProviderError> {
        let http = self.authorized(self.endpoint.post("/chat/completions", true)).json(&chat_request(request, true));
        let response = self.endpoint.send(http).await?;
        let chunks = self.endpoint.chunks(response);
        Ok(events(chunks, Framing::Sse(Default::default()), prompt_chars(request), chunk))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let list: ModelList = self.endpoint.json(self.authorized(self.endpoint.get("/models"))).await?;
        Ok(list.data.into_iter().map(|model| model.id).collect())
    }

    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ProviderError> {
        let http = self.authorized(self.endpoint.post("/embeddings", false)).json(&embedding_request(model, texts));
        embeddings(texts, self.endpoint.json(http).await?)
    }
}
