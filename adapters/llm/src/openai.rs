//! The OpenAI-compatible wire format (`/chat/completions`, `/models`, `/embeddings`), spoken by OpenAI, Groq,
//! NVIDIA, vLLM, Together, Fireworks and the like.

use ares_application::ports::{
    ChatModel, ChatRequest, ChatResponse, ChatStream, Embeddings, FinishReason, ProviderError, Role, StreamEvent,
    ToolCall, ToolChoice, ToolSpec, Usage,
};
use async_trait::async_trait;
use serde_json::{Value, json};

use crate::http::Endpoint;
use crate::stream::{Framing, Parsed, events, prompt_chars};

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
pub(crate) fn function_tools(tools: &[ToolSpec]) -> Value {
    tools
        .iter()
        .map(|tool| {
            json!({"type": "function", "function": {
                "name": tool.name, "description": tool.description, "parameters": tool.parameters,
            }})
        })
        .collect()
}

fn body(request: &ChatRequest, stream: bool) -> Value {
    let mut messages: Vec<Value> = Vec::new();
    if let Some(system) = &request.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.extend(request.messages.iter().map(|message| match message.role {
        Role::User => json!({"role": "user", "content": message.content}),
        Role::Tool => json!({"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}),
        Role::Assistant if message.tool_calls.is_empty() => json!({"role": "assistant", "content": message.content}),
        Role::Assistant => json!({
            "role": "assistant",
            "content": (!message.content.is_empty()).then_some(&message.content),
            "tool_calls": message.tool_calls.iter().map(|call| json!({
                "id": call.id, "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            })).collect::<Vec<_>>(),
        }),
    }));
    let mut body = json!({"model": request.model, "messages": messages, "stream": stream});
    if !request.tools.is_empty() {
        body["tools"] = function_tools(&request.tools);
        if request.tool_choice == ToolChoice::None {
            body["tool_choice"] = json!("none");
        }
    }
    if let Some(max_tokens) = request.max_tokens {
        body["max_tokens"] = json!(max_tokens);
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        other => FinishReason::Other(other.to_owned()),
    }
}

fn usage(value: &Value) -> Option<Usage> {
    let prompt = value.get("prompt_tokens")?.as_u64()?;
    let completion = value.get("completion_tokens").and_then(Value::as_u64).unwrap_or(0);
    Some(Usage { prompt_tokens: prompt, completion_tokens: completion, estimated: false })
}

fn protocol(what: &str) -> ProviderError {
    ProviderError::Protocol(format!("chat completion without {what}"))
}

fn response(request: &ChatRequest, value: &Value) -> Result<ChatResponse, ProviderError> {
    let choice = value.pointer("/choices/0").ok_or_else(|| protocol("choices"))?;
    let message = choice.get("message").ok_or_else(|| protocol("a message"))?;
    let text = message.get("content").and_then(Value::as_str).unwrap_or_default().to_owned();
    let tool_calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| calls.iter().map(tool_call).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    let finish = choice.get("finish_reason").and_then(Value::as_str).map_or(FinishReason::Stop, finish_reason);
    let arguments: usize = tool_calls.iter().map(|c: &ToolCall| c.arguments.len()).sum();
    let usage = value
        .get("usage")
        .and_then(usage)
        .unwrap_or_else(|| Usage::estimate(prompt_chars(request), text.len() + arguments));
    Ok(ChatResponse { text, tool_calls, finish_reason: finish, usage })
}

fn tool_call(call: &Value) -> Result<ToolCall, ProviderError> {
    let function = call.get("function").ok_or_else(|| protocol("a tool call function"))?;
    Ok(ToolCall {
        id: call.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        name: function.get("name").and_then(Value::as_str).ok_or_else(|| protocol("a tool name"))?.to_owned(),
        arguments: match function.get("arguments") {
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => "{}".to_owned(),
        },
    })
}

/// One `data:` payload of a streamed completion.
fn chunk(data: &str) -> Result<Parsed, ProviderError> {
    if data.trim() == "[DONE]" {
        return Ok(Parsed::End(Vec::new()));
    }
    let value: Value =
        serde_json::from_str(data).map_err(|err| ProviderError::Protocol(format!("bad chunk: {err}")))?;
    if let Some(message) = value.pointer("/error/message").and_then(Value::as_str) {
        return Err(ProviderError::Protocol(format!("stream error: {message}")));
    }
    let mut events = Vec::new();
    if let Some(choice) = value.pointer("/choices/0") {
        if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            events.push(StreamEvent::Text(text.to_owned()));
        }
        for call in choice.pointer("/delta/tool_calls").and_then(Value::as_array).into_iter().flatten() {
            events.push(StreamEvent::ToolCall {
                index: call.get("index").and_then(Value::as_u64).and_then(|i| usize::try_from(i).ok()).unwrap_or(0),
                id: call.get("id").and_then(Value::as_str).map(str::to_owned),
                name: call.pointer("/function/name").and_then(Value::as_str).map(str::to_owned),
                arguments: call.pointer("/function/arguments").and_then(Value::as_str).unwrap_or_default().to_owned(),
            });
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            events.push(StreamEvent::Finish(finish_reason(reason)));
        }
    }
    if let Some(usage) = value.get("usage").and_then(usage) {
        events.push(StreamEvent::Usage(usage));
    }
    Ok(Parsed::Events(events))
}

#[async_trait]
impl ChatModel for OpenAi {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let http = self.authorized(self.endpoint.post("/chat/completions", false)).json(&body(request, false));
        let value = self.endpoint.json(http).await?;
        response(request, &value)
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, ProviderError> {
        let http = self.authorized(self.endpoint.post("/chat/completions", true)).json(&body(request, true));
        let response = self.endpoint.send(http).await?;
        let chunks = self.endpoint.chunks(response);
        Ok(events(chunks, Framing::Sse(Default::default()), prompt_chars(request), chunk))
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let value = self.endpoint.json(self.authorized(self.endpoint.get("/models"))).await?;
        let models = value.get("data").and_then(Value::as_array).ok_or_else(|| protocol("a model list"))?;
        Ok(models.iter().filter_map(|m| m.get("id").and_then(Value::as_str)).map(str::to_owned).collect())
    }

    async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings, ProviderError> {
        let http =
            self.authorized(self.endpoint.post("/embeddings", false)).json(&json!({"model": model, "input": texts}));
        let value = self.endpoint.json(http).await?;
        let mut data: Vec<&Value> =
            value.get("data").and_then(Value::as_array).ok_or_else(|| protocol("embeddings"))?.iter().collect();
        data.sort_by_key(|item| item.get("index").and_then(Value::as_u64).unwrap_or(0));
        let vectors = data.iter().map(|item| vector(item.get("embedding"))).collect::<Result<Vec<_>, _>>()?;
        let usage = value.get("usage").and_then(|u| u.get("prompt_tokens")).and_then(Value::as_u64).map_or_else(
            || Usage::estimate(texts.iter().map(String::len).sum(), 0),
            |prompt_tokens| Usage { prompt_tokens, completion_tokens: 0, estimated: false },
        );
        Ok(Embeddings { vectors, usage })
    }
}

/// A JSON array of numbers as a vector.
#[expect(clippy::cast_possible_truncation, reason = "embeddings are f32 by nature; providers send f64 text")]
pub(crate) fn vector(value: Option<&Value>) -> Result<Vec<f32>, ProviderError> {
    value
        .and_then(Value::as_array)
        .ok_or_else(|| protocol("an embedding vector"))?
        .iter()
        .map(|x| x.as_f64().map(|x| x as f32).ok_or_else(|| protocol("a numeric embedding")))
        .collect()
}
