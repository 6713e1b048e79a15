//! The Chat Completions request, as the OpenAI SDKs send it, read into the chat the application runs: messages
//! of every role (system and developer join the system prompt; assistant turns may carry the client's tool calls;
//! tool messages answer them), the sampling settings, the client's own tools, and `model`, which may name one of
//! the tenant's agents as `agent/<name>`.

use ares_application::ports::ToolCall;
use ares_application::usecases::{AGENT_PREFIX, AgentChoice, ChatInput, ClientTools, InputMessage, Sampling};
use ares_domain::{AgentName, MaxTokens, Temperature, TopP};
use ares_llm::wire::openai::{ChatCompletionRequest, MessageParam};

use crate::ApiError;

/// The chat `request` asks for, checked.
pub(crate) fn chat_input(request: ChatCompletionRequest) -> Result<ChatInput, ApiError> {
    if let Some(n) = request.n.filter(|n| *n != 1) {
        return Err(ApiError::BadRequest(format!("Invalid n: {n}. Only n = 1 is supported")));
    }
    let sampling = Sampling {
        max_tokens: request.max_output_tokens().map(MaxTokens::parse).transpose()?,
        temperature: request.temperature.map(Temperature::parse).transpose()?,
        top_p: request.top_p.map(TopP::parse).transpose()?,
        stop: request.stop_sequences(),
        seed: request.seed,
        response_format: request.response_format.clone().map(Into::into).unwrap_or_default(),
    };
    let (model, agent) = model(&request.model)?;
    let client_tools = ClientTools {
        tools: request.tools.into_iter().map(Into::into).collect(),
        choice: request.tool_choice.map(Into::into).unwrap_or_default(),
        parallel_calls: request.parallel_tool_calls,
    };
    let messages = request.messages.into_iter().map(message).collect::<Result<_, _>>()?;
    Ok(ChatInput { messages, model, agent, sampling, client_tools, ..ChatInput::default() })
}

/// A model name or tier, or `agent/<name>`.
fn model(raw: &str) -> Result<(Option<String>, Option<AgentChoice>), ApiError> {
    if raw.trim().is_empty() {
        return Err(ApiError::BadRequest("Missing required field: model".into()));
    }
    match raw.strip_prefix(AGENT_PREFIX) {
        None => Ok((Some(raw.to_owned()), None)),
        Some(name) => {
            let name =
                AgentName::parse(name).map_err(|_| ApiError::UnknownAgent(format!("Agent not found: {name}")))?;
            Ok((None, Some(AgentChoice::Name(name))))
        }
    }
}

fn message(message: MessageParam) -> Result<InputMessage, ApiError> {
    let text = message.text().map_err(|err| ApiError::BadRequest(err.to_string()))?;
    Ok(match message {
        MessageParam::System { .. } | MessageParam::Developer { .. } => InputMessage::System(text),
        MessageParam::User { .. } => InputMessage::User(text),
        MessageParam::Assistant { tool_calls, .. } if tool_calls.is_empty() => InputMessage::Assistant(text),
        MessageParam::Assistant { tool_calls, .. } => {
            InputMessage::ToolCalls { text, calls: tool_calls.into_iter().map(ToolCall::from).collect() }
        }
        MessageParam::Tool { tool_call_id, .. } => InputMessage::ToolResult { call_id: tool_call_id, content: text },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(body: serde_json::Value) -> Result<ChatInput, ApiError> {
        chat_input(serde_json::from_value(body).unwrap())
    }

    #[test]
    fn every_role_and_the_clients_tools_are_read() {
        let chat = input(json!({
            "model": "fast",
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather in"}, {"type": "text", "text": "Oslo?"}]},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "-3C"}
            ],
            "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
            "tool_choice": "required", "max_completion_tokens": 50, "stop": "END"
        }))
        .unwrap();
        assert_eq!(chat.model.as_deref(), Some("fast"));
        assert_eq!(chat.messages[0], InputMessage::System("Be brief.".into()));
        assert_eq!(chat.messages[1], InputMessage::User("Weather in\nOslo?".into()));
        assert!(matches!(&chat.messages[2], InputMessage::ToolCalls { calls, .. } if calls[0].name == "weather"));
        assert_eq!(chat.messages[3], InputMessage::ToolResult { call_id: "call_1".into(), content: "-3C".into() });
        assert_eq!(chat.client_tools.tools[0].name, "weather");
        assert_eq!(chat.sampling.max_tokens.map(MaxTokens::get), Some(50));
        assert_eq!(chat.sampling.stop, ["END"]);
    }

    #[test]
    fn an_agent_is_named_as_a_model() {
        let chat = input(json!({"model": "agent/risk-assessor", "messages": [{"role": "user", "content": "hi"}]}));
        assert_eq!(chat.unwrap().agent, Some(AgentChoice::Name(AgentName::parse("risk-assessor").unwrap())));
        let bad = input(json!({"model": "agent/Not A Name!", "messages": [{"role": "user", "content": "hi"}]}));
        assert!(matches!(bad, Err(ApiError::UnknownAgent(_))));
    }

    #[test]
    fn what_cannot_be_served_is_refused_with_a_reason() {
        let user = json!([{"role": "user", "content": "hi"}]);
        let refused = |body| input(body).unwrap_err().to_string();
        assert_eq!(
            refused(json!({"model": "fast", "messages": user, "n": 2})),
            "Invalid n: 2. Only n = 1 is supported"
        );
        assert!(
            refused(json!({"model": "fast", "messages": user, "temperature": 3})).starts_with("Invalid temperature")
        );
        let image = json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]);
        assert!(refused(json!({"model": "fast", "messages": image})).contains("'image_url'"));
        assert_eq!(refused(json!({"model": " ", "messages": user})), "Missing required field: model");
    }
}
