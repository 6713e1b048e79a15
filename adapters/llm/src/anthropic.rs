//! The Anthropic Messages API: `system` as a top-level field, `tool_use` / `tool_result` content blocks, the
//! `x-api-key` and `anthropic-version` headers, and its event stream (`message_start`, `content_block_*`,
//! `message_delta` with the output usage, `message_stop`). `stop` goes as `stop_sequences`, `tool_choice` as
//! `none`/`any`/`tool` (auto is the default and is left out) with `disable_parallel_tool_use` when the agent asked
//! for one call at a time; `top_p` is sent as given (some newer models refuse it together with `temperature`). The
//! Messages API has no `seed` and no `response_format`: both are left out.

use ares_application::ports::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ChatStream, Embeddings, FinishReason, ProviderError, Role,
    StreamEvent, ToolCall, ToolChoice, Usage,
};
use async_trait::async_trait;
use serde_json::{Value, json};

use crate::http::Endpoint;
use ares_application::usecases::prompt_chars;

use crate::stream::{Framing, Parsed, events};

/// The API version ARES speaks.
const VERSION: &str = "2023-06-01";
/// Anthropic requires `max_tokens`; this is sent when the agent sets none.
const DEFAULT_MAX_TOKENS: u32 = 4096;

/// A provider speaking the Anthropic Messages API.
#[derive(Debug, Clone)]
pub struct Anthropic {
    endpoint: Endpoint,
    /// `/v1` when the base URL lacks it.
    version_prefix: &'static str,
}

impl Anthropic {
    /// A provider at `endpoint`, whose base URL may be the host, as the official SDKs take it
    /// (`https://api.anthropic.com`), or include the version (`https://api.anthropic.com/v1`).
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        let version_prefix = if endpoint.base_url().ends_with("/v1") { "" } else { "/v1" };
        Self { endpoint, version_prefix }
    }

    /// `path` (`/messages`, `/models`) under the API version.
    fn path(&self, path: &str) -> String {
        format!("{}{path}", self.version_prefix)
    }

    fn headers(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header("anthropic-version", VERSION);
        match self.endpoint.api_key() {
            Some(key) => request.header("x-api-key", key),
            None => request,
        }
    }
}

fn body(request: &ChatRequest, stream: bool) -> Value {
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "messages": messages(&request.messages),
    });
    if let Some(system) = &request.system {
        body["system"] = json!(system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        if let Some(choice) = tool_choice(request) {
            body["tool_choice"] = choice;
        }
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if let Some(top_p) = request.top_p {
        body["top_p"] = json!(top_p);
    }
    if !request.stop.is_empty() {
        body["stop_sequences"] = json!(request.stop);
    }
    if stream {
        body["stream"] = json!(true);
    }
    body
}

/// The `tool_choice` of a request that offers tools; none when Anthropic's default (auto, calls in parallel) is
/// asked for. `none` takes no `disable_parallel_tool_use`: no call is made at all.
fn tool_choice(request: &ChatRequest) -> Option<Value> {
    let one_call = request.parallel_tool_calls == Some(false);
    let mut choice = match &request.tool_choice {
        ToolChoice::None => return Some(json!({"type": "none"})),
        ToolChoice::Auto if !one_call => return None,
        ToolChoice::Auto => json!({"type": "auto"}),
        ToolChoice::Required => json!({"type": "any"}),
        ToolChoice::Function(name) => json!({"type": "tool", "name": name}),
    };
    if one_call {
        choice["disable_parallel_tool_use"] = json!(true);
    }
    Some(choice)
}

/// Anthropic alternates user and assistant turns: consecutive tool results go back in one user turn.
fn messages(messages: &[ChatMessage]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for message in messages {
        match message.role {
            Role::User => out.push(json!({"role": "user", "content": message.content})),
            Role::Assistant if message.tool_calls.is_empty() => {
                out.push(json!({"role": "assistant", "content": message.content}));
            }
            Role::Assistant => out.push(json!({"role": "assistant", "content": assistant_blocks(message)})),
            Role::Tool => {
                let block =
                    json!({"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content});
                let previous_results = out.last_mut().filter(|last| {
                    last["role"] == "user"
                        && last["content"]
                            .as_array()
                            .is_some_and(|blocks| blocks.iter().all(|b| b["type"] == "tool_result"))
                });
                match previous_results.and_then(|last| last["content"].as_array_mut()) {
                    Some(blocks) => blocks.push(block),
                    None => out.push(json!({"role": "user", "content": [block]})),
                }
            }
        }
    }
    out
}

fn assistant_blocks(message: &ChatMessage) -> Vec<Value> {
    let text = (!message.content.is_empty()).then(|| json!({"type": "text", "text": message.content}));
    let calls = message.tool_calls.iter().map(|call| {
        let input =
            serde_json::from_str::<Value>(&call.arguments).ok().filter(Value::is_object).unwrap_or_else(|| json!({}));
        json!({"type": "tool_use", "id": call.id, "name": call.name, "input": input})
    });
    text.into_iter().chain(calls).collect()
}

fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        other => FinishReason::Other(other.to_owned()),
    }
}

fn protocol(what: &str) -> ProviderError {
    ProviderError::Protocol(format!("message without {what}"))
}

fn response(request: &ChatRequest, value: &Value) -> Result<ChatResponse, ProviderError> {
    let blocks = value.get("content").and_then(Value::as_array).ok_or_else(|| protocol("content"))?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for block in blocks {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(block.get("text").and_then(Value::as_str).unwrap_or_default()),
            Some("tool_use") => tool_calls.push(ToolCall {
                id: block.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
                name: block.get("name").and_then(Value::as_str).ok_or_else(|| protocol("a tool name"))?.to_owned(),
                arguments: block.get("input").map_or_else(|| "{}".to_owned(), Value::to_string),
            }),
            _ => {}
        }
    }
    let finish_reason = value.get("stop_reason").and_then(Value::as_str).map_or(FinishReason::Stop, finish_reason);
    let usage = match (
        value.pointer("/usage/input_tokens").and_then(Value::as_u64),
        value.pointer("/usage/output_tokens").and_then(Value::as_u64),
    ) {
        (Some(prompt_tokens), Some(completion_tokens)) => Usage { prompt_tokens, completion_tokens, estimated: false },
        _ => Usage::estimate(prompt_chars(request), text.len()),
    };
    Ok(ChatResponse { text, tool_calls, finish_reason, usage })
}

/// The state of one streamed message: usage arrives in two parts, and tool calls are numbered by block.
#[derive(Default)]
struct StreamState {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    /// The content block index of each tool call, in order.
    tool_blocks: Vec<u64>,
}

impl StreamState {
    fn parse(&mut self, data: &str) -> Result<Parsed, ProviderError> {
        let value: Value =
            serde_json::from_str(data).map_err(|err| ProviderError::Protocol(format!("bad event: {err}")))?;
        let index = value.get("index").and_then(Value::as_u64).unwrap_or(0);
        let events = match value.get("type").and_then(Value::as_str) {
            Some("message_start") => {
                self.input_tokens = value.pointer("/message/usage/input_tokens").and_then(Value::as_u64);
                vec![]
            }
            Some("content_block_start") => self.block_start(index, &value),
            Some("content_block_delta") => self.block_delta(index, &value),
            Some("message_delta") => {
                if let Some(output) = value.pointer("/usage/output_tokens").and_then(Value::as_u64) {
                    self.output_tokens = Some(output);
                }
                let reason = value.pointer("/delta/stop_reason").and_then(Value::as_str);
                reason.map(|r| vec![StreamEvent::Finish(finish_reason(r))]).unwrap_or_default()
            }
            Some("message_stop") => return Ok(Parsed::End(self.usage().into_iter().collect())),
            Some("error") => {
                let message = value.pointer("/error/message").and_then(Value::as_str).unwrap_or("unknown error");
                return Err(ProviderError::Protocol(format!("stream error: {message}")));
            }
            _ => vec![],
        };
        Ok(Parsed::Events(events))
    }

    fn block_start(&mut self, index: u64, value: &Value) -> Vec<StreamEvent> {
        let block = &value["content_block"];
        if block["type"] != "tool_use" {
            return vec![];
        }
        self.tool_blocks.push(index);
        vec![StreamEvent::ToolCall {
            index: self.tool_blocks.len() - 1,
            id: block["id"].as_str().map(str::to_owned),
            name: block["name"].as_str().map(str::to_owned),
            arguments: String::new(),
        }]
    }

    fn block_delta(&self, index: u64, value: &Value) -> Vec<StreamEvent> {
        let delta = &value["delta"];
        match delta["type"].as_str() {
            Some("text_delta") => delta["text"].as_str().map(|t| StreamEvent::Text(t.to_owned())).into_iter().collect(),
            Some("input_json_delta") => {
                let Some(tool) = self.tool_blocks.iter().position(|b| *b == index) else { return vec![] };
                let partial = delta["partial_json"].as_str().unwrap_or_default().to_owned();
                vec![StreamEvent::ToolCall { index: tool, id: None, name: None, arguments: partial }]
            }
            _ => vec![],
        }
    }

    fn usage(&self) -> Option<StreamEvent> {
        Some(StreamEvent::Usage(Usage {
            prompt_tokens: self.input_tokens?,
            completion_tokens: self.output_tokens?,
            estimated: false,
        }))
    }
}

#[async_trait]
impl ChatModel for Anthropic {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let http = self.headers(self.endpoint.post(&self.path("/messages"), false)).json(&body(request, false));
        response(request, &self.endpoint.json::<Value>(http).await?)
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, ProviderError> {
        let http = self.headers(self.endpoint.post(&self.path("/messages"), true)).json(&body(request, true));
        let response = self.endpoint.send(http).await?;
        let mut state = StreamState::default();
        let chunks = self.endpoint.chunks(response);
        Ok(events(chunks, Framing::Sse(Default::default()), prompt_chars(request), move |data| state.parse(data)))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let value: Value = self.endpoint.json(self.headers(self.endpoint.get(&self.path("/models")))).await?;
        let models = value.get("data").and_then(Value::as_array).ok_or_else(|| protocol("a model list"))?;
        Ok(models.iter().filter_map(|m| m.get("id").and_then(Value::as_str)).map(str::to_owned).collect())
    }

    async fn embed(&self, _model: &str, _texts: &[String]) -> Result<Embeddings, ProviderError> {
        Err(ProviderError::Unavailable("the Anthropic API has no embeddings endpoint".into()))
    }
}
