//! The OpenAI-compatible answers: a `chat.completion`, the `chat.completion.chunk`s of a stream, and the model
//! list, in the wire structs `ares-llm` shares with the outbound adapter.

use ares_application::ports::{FinishReason, StreamEvent, Usage};
use ares_application::usecases::{Callable, Routed, ToolRun};
use ares_llm::wire::openai::{
    AssistantRole, ChatCompletion, ChatCompletionChunk, Choice, ChunkChoice, ChunkDelta, ErrorBody, FunctionCallDelta,
    FunctionType, MessageToolCall, Model, ModelList, ResponseMessage, ToolCallDelta, finish_reason_to_wire,
};

/// The id and time one answer carries in every piece of it.
pub(crate) struct Completion {
    id: String,
    created: i64,
    model: String,
}

impl Completion {
    /// A new answer of `model`: `chatcmpl-...`, now.
    pub(crate) fn new(model: String) -> Self {
        let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
        Completion { id, created: chrono::Utc::now().timestamp(), model }
    }

    /// The whole answer.
    pub(crate) fn whole(self, routed: &Routed<ToolRun>) -> ChatCompletion {
        let response = &routed.value.response;
        let text = (!response.text.is_empty() || response.tool_calls.is_empty()).then(|| response.text.clone());
        let message = ResponseMessage {
            role: AssistantRole,
            content: text,
            refusal: None,
            tool_calls: response.tool_calls.iter().map(MessageToolCall::from).collect(),
        };
        ChatCompletion {
            id: self.id,
            object: Default::default(),
            created: self.created,
            model: self.model,
            choices: vec![Choice {
                index: 0,
                message,
                finish_reason: Some(finish_reason_to_wire(&response.finish_reason).to_owned()),
                logprobs: None,
            }],
            usage: Some(routed.value.usage.into()),
            system_fingerprint: None,
        }
    }

    fn chunk(&self, choices: Vec<ChunkChoice>, usage: Option<Usage>) -> ChatCompletionChunk {
        ChatCompletionChunk {
            id: self.id.clone(),
            object: Default::default(),
            created: self.created,
            model: self.model.clone(),
            choices,
            usage: usage.map(Into::into),
            system_fingerprint: None,
        }
    }

    fn delta(&self, delta: ChunkDelta, finish: Option<&FinishReason>) -> ChatCompletionChunk {
        let finish_reason = finish.map(|reason| finish_reason_to_wire(reason).to_owned());
        self.chunk(vec![ChunkChoice { index: 0, delta, finish_reason, logprobs: None }], None)
    }

    /// The first chunk: the role.
    pub(crate) fn role(&self) -> ChatCompletionChunk {
        let delta = ChunkDelta { role: Some(AssistantRole), content: Some(String::new()), ..ChunkDelta::default() };
        self.delta(delta, None)
    }

    /// A piece of text or of a tool call; `None` for what a client is not sent.
    pub(crate) fn event(&self, event: &StreamEvent) -> Option<ChatCompletionChunk> {
        let delta = match event {
            StreamEvent::Text(text) => ChunkDelta { content: Some(text.clone()), ..ChunkDelta::default() },
            StreamEvent::ToolCall { index, id, name, arguments } => ChunkDelta {
                tool_calls: vec![ToolCallDelta {
                    index: *index,
                    id: id.clone(),
                    kind: id.as_ref().map(|_| FunctionType),
                    function: FunctionCallDelta { name: name.clone(), arguments: Some(arguments.clone()) },
                }],
                ..ChunkDelta::default()
            },
            StreamEvent::Finish(_) | StreamEvent::Usage(_) => return None,
        };
        Some(self.delta(delta, None))
    }

    /// The last chunk of the answer: why it ended.
    pub(crate) fn finish(&self, reason: &FinishReason) -> ChatCompletionChunk {
        self.delta(ChunkDelta::default(), Some(reason))
    }

    /// The usage-only chunk (`stream_options.include_usage`).
    pub(crate) fn usage(&self, usage: Usage) -> ChatCompletionChunk {
        self.chunk(Vec::new(), Some(usage))
    }
}

/// An error in the middle of a stream, as the SDKs read it.
pub(crate) fn stream_error(message: &str) -> ErrorBody {
    ErrorBody::new(message, "api_error")
}

/// What a tenant may name as a model.
pub(crate) fn model(callable: &Callable) -> Model {
    Model {
        id: callable.id.clone(),
        object: Default::default(),
        created: callable.created.map_or(0, |at| at.timestamp()),
        owned_by: callable.owner.clone(),
    }
}

/// The list of them.
pub(crate) fn models(callables: &[Callable]) -> ModelList {
    ModelList { object: Default::default(), data: callables.iter().map(model).collect() }
}

#[cfg(test)]
mod tests {
    use ares_application::ports::{ChatResponse, ToolCall};
    use ares_domain::ProviderName;

    use super::*;

    #[test]
    fn a_tool_call_answer_has_no_content_and_finishes_with_tool_calls() {
        let call = ToolCall { id: "call_1".into(), name: "weather".into(), arguments: "{}".into() };
        let response = ChatResponse {
            text: String::new(),
            tool_calls: vec![call.clone()],
            finish_reason: FinishReason::ToolCalls,
            usage: Usage::default(),
        };
        let run = ToolRun {
            response,
            usage: Usage { prompt_tokens: 3, completion_tokens: 2, estimated: false },
            calls: vec![],
        };
        let routed = Routed { value: run, model: "fast".into(), provider: ProviderName::parse("groq").unwrap() };
        let whole = serde_json::to_value(Completion::new("fast".into()).whole(&routed)).unwrap();
        assert_eq!(whole["choices"][0]["message"]["content"], serde_json::Value::Null);
        assert_eq!(
            whole["choices"][0]["message"]["tool_calls"],
            serde_json::to_value([MessageToolCall::from(&call)]).unwrap()
        );
        assert_eq!(whole["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(whole["usage"]["total_tokens"], 5);
        assert!(whole["id"].as_str().unwrap().starts_with("chatcmpl-"));
    }
}
