//! Ollama's native API: `/api/chat` (NDJSON when streamed; usage in `prompt_eval_count` and `eval_count`),
//! `/api/tags`, `/api/embed`. Sampling goes in `options` (`num_predict`, `temperature`, `top_p`, `stop`, `seed`) and
//! a JSON answer is asked with `format` (`"json"`, or the schema itself). Ollama has no `tool_choice` and no
//! `parallel_tool_calls`: a model that must not call tools is offered none, one that must call a given tool is
//! offered only that one, and `required` cannot be enforced (the tools are offered as for `auto`).

use ares_application::ports::{
    ChatModel, ChatRequest, ChatResponse, ChatStream, Embeddings, FinishReason, ProviderError, ResponseFormat, Role,
    StreamEvent, ToolCall, ToolChoice, ToolSpec, Usage,
};
use async_trait::async_trait;
use serde_json::{Value, json};

use crate::http::Endpoint;
use crate::openai::function_tools;
use ares_application::usecases::prompt_chars;

use crate::stream::{Framing, Parsed, events};

/// A local or remote Ollama server.
#[derive(Debug, Clone)]
pub struct Ollama {
    endpoint: Endpoint,
}

impl Ollama {
    #[must_use]
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }
}

fn body(request: &ChatRequest, stream: bool) -> Value {
    let mut messages: Vec<Value> = Vec::new();
    if let Some(system) = &request.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.extend(request.messages.iter().map(|message| match message.role {
        Role::User => json!({"role": "user", "content": message.content}),
        Role::Tool => json!({"role": "tool", "content": message.content}),
        Role::Assistant => {
            let mut value = json!({"role": "assistant", "content": message.content});
            if !message.tool_calls.is_empty() {
                value["tool_calls"] = message
                    .tool_calls
                    .iter()
                    .map(
                        |call| json!({"function": {"name": call.name, "arguments": arguments_object(&call.arguments)}}),
                    )
                    .collect();
            }
            value
        }
    }));
    let mut body = json!({"model": request.model, "messages": messages, "stream": stream});
    let tools = function_tools(offered_tools(request));
    if !tools.is_empty() {
        body["tools"] = json!(tools);
    }
    if let Some(options) = options(request) {
        body["options"] = options;
    }
    if let Some(format) = format(&request.response_format) {
        body["format"] = format;
    }
    body
}

/// The tools the model may call, as far as Ollama can be told (see the module doc).
fn offered_tools(request: &ChatRequest) -> impl Iterator<Item = &ToolSpec> {
    request.tools.iter().filter(|tool| match &request.tool_choice {
        ToolChoice::Auto | ToolChoice::Required => true,
        ToolChoice::None => false,
        ToolChoice::Function(name) => tool.name == *name,
    })
}

fn options(request: &ChatRequest) -> Option<Value> {
    let mut options = serde_json::Map::new();
    if let Some(max_tokens) = request.max_tokens {
        options.insert("num_predict".into(), json!(max_tokens));
    }
    if let Some(temperature) = request.temperature {
        options.insert("temperature".into(), json!(temperature));
    }
    if let Some(top_p) = request.top_p {
        options.insert("top_p".into(), json!(top_p));
    }
    if !request.stop.is_empty() {
        options.insert("stop".into(), json!(request.stop));
    }
    if let Some(seed) = request.seed {
        options.insert("seed".into(), json!(seed));
    }
    (!options.is_empty()).then_some(Value::Object(options))
}

/// Ollama's `format`: `"json"` for any object, the schema itself for OpenAI's `{"name", "schema"}` (any object
/// when it names no schema).
fn format(format: &ResponseFormat) -> Option<Value> {
    match format {
        ResponseFormat::Text => None,
        ResponseFormat::JsonObject => Some(json!("json")),
        ResponseFormat::JsonSchema(spec) => Some(spec.get("schema").cloned().unwrap_or_else(|| json!("json"))),
    }
}

/// Ollama wants tool arguments as an object; ARES carries the model's JSON text.
fn arguments_object(text: &str) -> Value {
    serde_json::from_str::<Value>(text).ok().filter(Value::is_object).unwrap_or_else(|| json!({}))
}

fn tool_calls(message: &Value, first_index: usize) -> Vec<ToolCall> {
    let calls = message.get("tool_calls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    calls
        .iter()
        .enumerate()
        .filter_map(|(i, call)| {
            let function = call.get("function")?;
            let arguments = match function.get("arguments") {
                Some(Value::String(text)) => text.clone(),
                Some(value) => value.to_string(),
                None => "{}".to_owned(),
            };
            Some(ToolCall {
                id: format!("call_{}", first_index + i),
                name: function.get("name")?.as_str()?.to_owned(),
                arguments,
            })
        })
        .collect()
}

fn finish_reason(value: &Value, called_tools: bool) -> FinishReason {
    match value.get("done_reason").and_then(Value::as_str) {
        _ if called_tools => FinishReason::ToolCalls,
        Some("length") => FinishReason::Length,
        Some("stop") | None => FinishReason::Stop,
        Some(other) => FinishReason::Other(other.to_owned()),
    }
}

/// The counts of a final answer; each one Ollama left out (a cached prompt has no `prompt_eval_count`) is
/// estimated, and the usage says so.
fn usage(value: &Value, prompt_chars: usize, completion_chars: usize) -> Usage {
    let estimate = Usage::estimate(prompt_chars, completion_chars);
    let prompt = value.get("prompt_eval_count").and_then(Value::as_u64);
    let completion = value.get("eval_count").and_then(Value::as_u64);
    Usage {
        prompt_tokens: prompt.unwrap_or(estimate.prompt_tokens),
        completion_tokens: completion.unwrap_or(estimate.completion_tokens),
        estimated: prompt.is_none() || completion.is_none(),
    }
}

#[async_trait]
impl ChatModel for Ollama {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let value: Value =
            self.endpoint.json(self.endpoint.post("/api/chat", false).json(&body(request, false))).await?;
        let message =
            value.get("message").ok_or_else(|| ProviderError::Protocol("chat answer without a message".into()))?;
        let text = message.get("content").and_then(Value::as_str).unwrap_or_default().to_owned();
        let tool_calls = tool_calls(message, 0);
        let finish_reason = finish_reason(&value, !tool_calls.is_empty());
        let usage = usage(&value, prompt_chars(request), text.len());
        Ok(ChatResponse { text, tool_calls, finish_reason, usage })
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, ProviderError> {
        let response = self.endpoint.send(self.endpoint.post("/api/chat", true).json(&body(request, true))).await?;
        let chunks = self.endpoint.chunks(response);
        let prompt = prompt_chars(request);
        let (mut completion_chars, mut calls) = (0, 0);
        Ok(events(chunks, Framing::Lines(Default::default()), prompt, move |line| {
            let value: Value =
                serde_json::from_str(line).map_err(|err| ProviderError::Protocol(format!("bad line: {err}")))?;
            if let Some(error) = value.get("error").and_then(Value::as_str) {
                return Err(ProviderError::Protocol(format!("stream error: {error}")));
            }
            let mut out = Vec::new();
            if let Some(message) = value.get("message") {
                if let Some(text) = message.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    completion_chars += text.len();
                    out.push(StreamEvent::Text(text.to_owned()));
                }
                for call in tool_calls(message, calls) {
                    out.push(StreamEvent::ToolCall {
                        index: calls,
                        id: Some(call.id),
                        name: Some(call.name),
                        arguments: call.arguments,
                    });
                    calls += 1;
                }
            }
            if value.get("done").and_then(Value::as_bool) == Some(true) {
                out.push(StreamEvent::Finish(finish_reason(&value, calls > 0)));
                out.push(StreamEvent::Usage(usage(&value, prompt, completion_chars)));
                return Ok(Parsed::End(out));
            }
            Ok(Parsed::Events(out))
        }))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let value: Value = self.endpoint.json(self.endpoint.get("/api/tags")).await?;
        let models = value
            .get("models")
            .and_then(Value::as_array)
            .ok_or_else(|| ProviderError::Protocol("no model list".into()))?;
        Ok(models.iter().filter_map(|m| m.get("name").and_then(Value::as_str)).map(str::to_owned).collect())
    }

    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ProviderError> {
        let request = self.endpoint.post("/api/embed", false).json(&json!({"model": model, "input": texts}));
        let value: Value = self.endpoint.json(request).await?;
        let vectors = value
            .get("embeddings")
            .and_then(Value::as_array)
            .ok_or_else(|| ProviderError::Protocol("no embeddings".into()))?
            .iter()
            .map(|v| vector(Some(v)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Embeddings { vectors, usage: usage(&value, texts.iter().map(String::len).sum(), 0) })
    }
}

/// A JSON array of numbers as a vector.
#[expect(clippy::cast_possible_truncation, reason = "embeddings are f32 by nature; providers send f64 text")]
fn vector(value: Option<&Value>) -> Result<Vec<f32>, ProviderError> {
    let protocol = |what: &str| ProviderError::Protocol(format!("embeddings without {what}"));
    value
        .and_then(Value::as_array)
        .ok_or_else(|| protocol("a vector"))?
        .iter()
        .map(|x| x.as_f64().map(|x| x as f32).ok_or_else(|| protocol("numbers")))
        .collect()
}
