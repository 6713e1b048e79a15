//! The `mock` provider kind: deterministic, in-process, no network — for development and tests, never for
//! production. It answers `mock reply: <the last user message>`, streams that answer word by word, and counts
//! usage exactly by its own rule (one token per whitespace-separated word), so tests can predict every number.
//! Offered tools, it calls the first one once, with `{"input": <last user message>}`, then answers with the tool's
//! result.

use ares_application::ports::{
    ChatModel, ChatRequest, ChatResponse, ChatStream, Embeddings, FinishReason, ProviderError, Role, StreamEvent,
    ToolCall, Usage,
};
use async_trait::async_trait;
use futures_util::StreamExt;
use serde_json::json;

/// The deterministic provider.
#[derive(Debug, Clone, Default)]
pub struct MockProvider;

fn words(text: &str) -> u64 {
    u64::try_from(text.split_whitespace().count()).unwrap_or(u64::MAX)
}

fn answer(request: &ChatRequest) -> ChatResponse {
    let last_user = request.messages.iter().rev().find(|m| m.role == Role::User).map_or("", |m| m.content.as_str());
    let tool_result = request.messages.last().filter(|m| m.role == Role::Tool);
    let prompt_tokens =
        request.system.as_deref().map_or(0, words) + request.messages.iter().map(|m| words(&m.content)).sum::<u64>();
    if let (Some(tool), None) = (request.tools.first(), tool_result) {
        let arguments = json!({"input": last_user}).to_string();
        let call = ToolCall { id: "call_mock_0".into(), name: tool.name.clone(), arguments };
        let usage = Usage { prompt_tokens, completion_tokens: 1, estimated: false };
        return ChatResponse {
            text: String::new(),
            tool_calls: vec![call],
            finish_reason: FinishReason::ToolCalls,
            usage,
        };
    }
    let text = match tool_result {
        Some(result) => format!("mock reply: {}", result.content),
        None => format!("mock reply: {last_user}"),
    };
    let usage = Usage { prompt_tokens, completion_tokens: words(&text), estimated: false };
    ChatResponse { text, tool_calls: vec![], finish_reason: FinishReason::Stop, usage }
}

#[async_trait]
impl ChatModel for MockProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        Ok(answer(request))
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, ProviderError> {
        let response = answer(request);
        let mut events: Vec<StreamEvent> = response
            .text
            .split_inclusive(' ')
            .map(|word| StreamEvent::Text(word.to_owned()))
            .chain(response.tool_calls.into_iter().enumerate().map(|(index, call)| StreamEvent::ToolCall {
                index,
                id: Some(call.id),
                name: Some(call.name),
                arguments: call.arguments,
            }))
            .collect();
        events.push(StreamEvent::Finish(response.finish_reason));
        events.push(StreamEvent::Usage(response.usage));
        Ok(futures_util::stream::iter(events.into_iter().map(Ok)).boxed())
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        Ok(vec!["mock".to_owned()])
    }

    async fn embed(&self, _model: &str, texts: &[String]) -> Result<Embeddings, ProviderError> {
        let vectors = texts.iter().map(|text| embedding(text)).collect();
        let prompt_tokens = texts.iter().map(|t| words(t)).sum();
        Ok(Embeddings { vectors, usage: Usage { prompt_tokens, completion_tokens: 0, estimated: false } })
    }
}

/// An 8-dimensional vector of letter frequencies: equal texts embed equally, similar texts nearby.
fn embedding(text: &str) -> Vec<f32> {
    let mut vector = vec![0.0f32; 8];
    for byte in text.to_lowercase().bytes().filter(u8::is_ascii_alphabetic) {
        vector[usize::from(byte - b'a') % 8] += 1.0;
    }
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}

#[cfg(test)]
mod tests {
    use ares_application::ports::{ChatMessage, ToolChoice, ToolSpec};

    use super::*;

    fn request(tools: bool) -> ChatRequest {
        ChatRequest {
            model: "mock".into(),
            system: Some("be kind".into()),
            messages: vec![ChatMessage::text(Role::User, "hello mock world")],
            tools: if tools {
                vec![ToolSpec { name: "calculator".into(), description: String::new(), parameters: json!({}) }]
            } else {
                vec![]
            },
            tool_choice: ToolChoice::Auto,
            max_tokens: None,
            temperature: None,
            ..ChatRequest::default()
        }
    }

    #[tokio::test]
    async fn it_echoes_the_last_user_message_with_exact_word_counts() {
        let response = MockProvider.complete(&request(false)).await.unwrap();
        assert_eq!(response.text, "mock reply: hello mock world");
        assert_eq!(response.usage, Usage { prompt_tokens: 5, completion_tokens: 5, estimated: false });
    }

    #[tokio::test]
    async fn its_stream_says_the_same_word_by_word() {
        let events: Vec<_> = MockProvider.stream(&request(false)).await.unwrap().collect().await;
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                Ok(StreamEvent::Text(t)) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "mock reply: hello mock world");
        assert_eq!(events.len(), 7);
    }

    #[tokio::test]
    async fn offered_a_tool_it_calls_it_once_then_answers_with_the_result() {
        let first = MockProvider.complete(&request(true)).await.unwrap();
        assert_eq!(first.tool_calls[0].name, "calculator");
        let mut follow_up = request(true);
        follow_up
            .messages
            .push(ChatMessage { tool_call_id: Some("call_mock_0".into()), ..ChatMessage::text(Role::Tool, "4") });
        assert_eq!(MockProvider.complete(&follow_up).await.unwrap().text, "mock reply: 4");
    }
}
