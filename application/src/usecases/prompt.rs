//! How client input becomes a chat for a model: an agent's system prompt and settings, a run's input as the user's
//! message, and a model's reply as a run's output.

use ares_domain::quota::reservation;
use ares_domain::{AgentConfig, MaxTokens, Temperature, TopP};
use serde_json::{Value, json};

use crate::ports::{ChatMessage, ChatRequest, ResponseFormat, Role, ToolCall};

/// A message as a client sends it. System messages join the agent's system prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputMessage {
    System(String),
    User(String),
    Assistant(String),
    /// An assistant turn that called the client's tools (client-side function calling), with any text it wrote.
    ToolCalls {
        text: String,
        calls: Vec<ToolCall>,
    },
    /// The client's result for one of those calls.
    ToolResult {
        call_id: String,
        content: String,
    },
}

/// How the model samples its answer, as the client asked; the agent's settings fill in what it did not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sampling {
    pub max_tokens: Option<MaxTokens>,
    pub temperature: Option<Temperature>,
    pub top_p: Option<TopP>,
    pub stop: Vec<String>,
    pub seed: Option<i64>,
    pub response_format: ResponseFormat,
}

/// The chat for `messages`, sent to `model` (else the agent's model) with the agent's prompt and settings; the
/// client's sampling wins over the agent's.
#[must_use]
pub fn chat_request(
    config: Option<&AgentConfig>,
    model: Option<&str>,
    messages: Vec<InputMessage>,
    sampling: Sampling,
) -> ChatRequest {
    let mut system: Vec<String> = config.and_then(AgentConfig::instructions).into_iter().collect();
    let mut chat = Vec::with_capacity(messages.len());
    for message in messages {
        match message {
            InputMessage::System(text) => system.push(text),
            InputMessage::User(text) => chat.push(ChatMessage::text(Role::User, text)),
            InputMessage::Assistant(text) => chat.push(ChatMessage::text(Role::Assistant, text)),
            InputMessage::ToolCalls { text, calls } => {
                chat.push(ChatMessage { tool_calls: calls, ..ChatMessage::text(Role::Assistant, text) });
            }
            InputMessage::ToolResult { call_id, content } => {
                chat.push(ChatMessage { tool_call_id: Some(call_id), ..ChatMessage::text(Role::Tool, content) });
            }
        }
    }
    ChatRequest {
        model: model.map(str::to_owned).or_else(|| config.map(|c| c.model.clone())).unwrap_or_default(),
        system: (!system.is_empty()).then(|| system.join("\n\n")),
        messages: chat,
        max_tokens: sampling.max_tokens.map(MaxTokens::get).or_else(|| config.and_then(|c| c.max_tokens)),
        temperature: sampling.temperature.map(Temperature::get).or_else(|| config.and_then(|c| c.temperature)),
        top_p: sampling.top_p.map(TopP::get),
        stop: sampling.stop,
        seed: sampling.seed,
        response_format: sampling.response_format,
        ..ChatRequest::default()
    }
}

/// A run's input as the user's message: `input.message`, with the rest of the input as context; a string as it
/// is; anything else as JSON.
#[must_use]
pub fn run_message(input: &Value) -> InputMessage {
    match input {
        Value::String(text) => InputMessage::User(text.clone()),
        Value::Object(fields) => match fields.get("message").and_then(Value::as_str) {
            Some(message) => {
                let context: serde_json::Map<String, Value> = fields
                    .iter()
                    .filter(|(k, _)| k.as_str() != "message")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if context.is_empty() {
                    InputMessage::User(message.to_owned())
                } else {
                    let context = serde_json::to_string_pretty(&context).unwrap_or_default();
                    InputMessage::User(format!("{message}\n\nContext:\n{context}"))
                }
            }
            None => InputMessage::User(input.to_string()),
        },
        other => InputMessage::User(other.to_string()),
    }
}

/// A reply that is a JSON object (bare or in a fenced block) is the run's output as it is; any other text becomes
/// `{"text": ...}`.
#[must_use]
pub fn run_output(reply: &str) -> Value {
    let trimmed = reply.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(trimmed, str::trim);
    match serde_json::from_str::<Value>(unfenced) {
        Ok(Value::Object(object)) => Value::Object(object),
        _ => json!({ "text": reply }),
    }
}

/// Bounds `request` by `default_max_tokens` when it sets no `max_tokens`, and returns the tokens its admission
/// reserves: its prompt, estimated, and its `max_tokens`.
pub fn reserve_for(request: &mut ChatRequest, default_max_tokens: u32) -> u64 {
    let max_tokens = *request.max_tokens.get_or_insert(default_max_tokens);
    reservation(prompt_chars(request), max_tokens)
}

/// The characters of a chat's prompt, to estimate its tokens before the provider counts them.
#[must_use]
pub fn prompt_chars(request: &ChatRequest) -> usize {
    request.system.as_ref().map_or(0, String::len) + request.messages.iter().map(|m| m.content.len()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use ares_domain::{Agent, AgentName, AgentType, TenantId};
    use chrono::Utc;

    use super::*;

    fn agent() -> Agent {
        let config = json!({"model": "fast", "system_prompt": "You classify.", "max_tokens": 256, "temperature": 0.2});
        Agent::new(
            TenantId::new(),
            AgentName::parse("classifier").unwrap(),
            AgentType::parse("classifier").unwrap(),
            AgentConfig::from_json(config.as_object().cloned().unwrap()).unwrap(),
            Utc::now(),
        )
    }

    #[test]
    fn the_agent_gives_model_prompt_and_settings_and_the_client_may_override_them() {
        let messages = vec![InputMessage::System("Be brief.".into()), InputMessage::User("Hi".into())];
        let request = chat_request(Some(&agent().config), None, messages.clone(), Sampling::default());
        assert_eq!(request.model, "fast");
        assert_eq!(request.system.as_deref(), Some("You classify.\n\nBe brief."));
        assert_eq!((request.max_tokens, request.temperature), (Some(256), Some(0.2)));
        assert_eq!(request.messages, [ChatMessage::text(Role::User, "Hi")]);
        let sampling = Sampling {
            max_tokens: Some(MaxTokens::parse(16).unwrap()),
            temperature: Some(Temperature::parse(1.0).unwrap()),
            ..Sampling::default()
        };
        let overridden = chat_request(Some(&agent().config), Some("powerful"), messages, sampling);
        assert_eq!(
            (overridden.model.as_str(), overridden.max_tokens, overridden.temperature),
            ("powerful", Some(16), Some(1.0))
        );
    }

    #[test]
    fn a_request_without_max_tokens_is_bounded_by_what_it_reserves() {
        let mut request =
            chat_request(None, Some("fast"), vec![InputMessage::User("12345678".into())], Sampling::default());
        assert_eq!((reserve_for(&mut request, 100), request.max_tokens), (102, Some(100)));
        let mut agents =
            chat_request(Some(&agent().config), None, vec![InputMessage::User("Hi".into())], Sampling::default());
        assert_eq!(agents.max_tokens, Some(256));
        reserve_for(&mut agents, 100);
        assert_eq!(agents.max_tokens, Some(256), "the agent's own bound stays");
    }

    #[test]
    fn a_run_input_becomes_the_users_message_with_its_context() {
        let input = json!({"message": "Evaluate this transaction", "context": {"amount": 15000}});
        let InputMessage::User(text) = run_message(&input) else { panic!() };
        assert!(
            text.starts_with("Evaluate this transaction\n\nContext:\n") && text.contains("\"amount\": 15000"),
            "{text}"
        );
        assert_eq!(run_message(&json!({"message": "hi"})), InputMessage::User("hi".into()));
        assert_eq!(run_message(&json!("plain")), InputMessage::User("plain".into()));
        assert_eq!(run_message(&json!({"tx": 1})), InputMessage::User("{\"tx\":1}".into()));
    }

    #[test]
    fn a_json_object_reply_is_the_output_and_anything_else_is_text() {
        assert_eq!(run_output(r#"{"risk_score": 0.73}"#), json!({"risk_score": 0.73}));
        assert_eq!(run_output("```json\n{\"risk_level\": \"medium\"}\n```"), json!({"risk_level": "medium"}));
        assert_eq!(run_output("Low risk."), json!({"text": "Low risk."}));
        assert_eq!(run_output("[1, 2]"), json!({"text": "[1, 2]"}));
    }
}
