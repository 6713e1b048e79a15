//! The Ollama adapter against a scripted upstream speaking its native API.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::time::Duration;

use ares_application::ports::{
    ChatMessage, ChatModel, ChatRequest, FinishReason, ResponseFormat, Role, StreamEvent, ToolChoice, ToolSpec, Usage,
};
use ares_domain::NetworkConfig;
use ares_llm::testing::{MockUpstream, Reply};
use ares_llm::{Endpoint, Ollama};
use futures_util::StreamExt;
use serde_json::{Value, json};

fn provider(upstream: &MockUpstream) -> Ollama {
    let network = NetworkConfig { request_timeout: Duration::from_secs(5), ..NetworkConfig::default() };
    Ollama::new(Endpoint::new(upstream.url(), None, network).unwrap())
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "ministral-3:3b".into(),
        system: None,
        messages: vec![ChatMessage::text(Role::User, "Why is the sky blue?")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: Some(100),
        temperature: Some(0.1),
        ..ChatRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn complete_reads_the_eval_counts_as_usage() {
    let answer = json!({
        "model": "ministral-3:3b", "message": {"role": "assistant", "content": "Rayleigh scattering."},
        "done": true, "done_reason": "stop", "prompt_eval_count": 26, "eval_count": 4
    });
    let upstream = MockUpstream::start(vec![Reply::json(200, &answer)]).await;
    let response = provider(&upstream).complete(&request()).await.unwrap();
    assert_eq!(response.text, "Rayleigh scattering.");
    assert_eq!(response.usage, Usage { prompt_tokens: 26, completion_tokens: 4, estimated: false });
    let sent = &upstream.received()[0];
    assert_eq!(sent.path, "/api/chat");
    assert_eq!(
        sent.body,
        json!({"model": "ministral-3:3b", "stream": false, "options": {"num_predict": 100, "temperature": 0.1},
               "messages": [{"role": "user", "content": "Why is the sky blue?"}]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_prompt_without_a_count_is_estimated_and_says_so() {
    let answer = json!({"message": {"role": "assistant", "content": "Yes."}, "done": true, "eval_count": 2});
    let upstream = MockUpstream::start(vec![Reply::json(200, &answer)]).await;
    let usage = provider(&upstream).complete(&request()).await.unwrap().usage;
    assert_eq!(usage, Usage { prompt_tokens: 5, completion_tokens: 2, estimated: true });
}

#[tokio::test(flavor = "multi_thread")]
async fn tool_calls_come_back_with_object_arguments() {
    let answer = json!({
        "message": {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "calculator", "arguments": {"expression": "6*7"}}}
        ]},
        "done": true, "done_reason": "stop", "prompt_eval_count": 40, "eval_count": 12
    });
    let upstream = MockUpstream::start(vec![Reply::json(200, &answer)]).await;
    let mut chat = request();
    chat.tools =
        vec![ToolSpec { name: "calculator".into(), description: "math".into(), parameters: json!({"type": "object"}) }];
    let response = provider(&upstream).complete(&chat).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.tool_calls[0].name, "calculator");
    assert_eq!(response.tool_calls[0].arguments, "{\"expression\":\"6*7\"}");
    assert_eq!(upstream.received()[0].body["tools"][0]["function"]["name"], "calculator");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ndjson_stream_yields_deltas_and_the_final_counts() {
    let body = concat!(
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Ray\"},\"done\":false}\n",
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"leigh é\"},\"done\":false}\n",
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":26,\"eval_count\":3}\n",
    );
    for every in [1, 4, 9, body.len()] {
        let upstream = MockUpstream::start(vec![Reply::stream("application/x-ndjson", body, every)]).await;
        let events: Vec<StreamEvent> =
            provider(&upstream).stream(&request()).await.unwrap().map(Result::unwrap).collect().await;
        assert_eq!(
            events,
            [
                StreamEvent::Text("Ray".into()),
                StreamEvent::Text("leigh é".into()),
                StreamEvent::Finish(FinishReason::Stop),
                StreamEvent::Usage(Usage { prompt_tokens: 26, completion_tokens: 3, estimated: false }),
            ],
            "chunks of {every} bytes"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_and_embeddings_are_read() {
    let tags = json!({"models": [{"name": "ministral-3:3b", "size": 1}, {"name": "nomic-embed-text:latest"}]});
    let embed = json!({"model": "nomic-embed-text", "embeddings": [[0.1, 0.2], [0.3, 0.4]], "prompt_eval_count": 4});
    let upstream = MockUpstream::start(vec![Reply::json(200, &tags), Reply::json(200, &embed)]).await;
    let provider = provider(&upstream);
    assert_eq!(provider.list_models().await.unwrap(), ["ministral-3:3b", "nomic-embed-text:latest"]);
    let result = provider.embed("nomic-embed-text", &["a b".into(), "c d".into()]).await.unwrap();
    assert_eq!(result.vectors, [vec![0.1, 0.2], vec![0.3, 0.4]]);
    assert_eq!(result.usage.prompt_tokens, 4);
    assert_eq!(upstream.received()[1].path, "/api/embed");
}

fn answer() -> Value {
    json!({"message": {"role": "assistant", "content": "{}"}, "done": true, "prompt_eval_count": 1, "eval_count": 1})
}

fn tool(name: &str) -> ToolSpec {
    ToolSpec { name: name.into(), description: "a tool".into(), parameters: json!({"type": "object"}) }
}

#[tokio::test(flavor = "multi_thread")]
async fn sampling_goes_in_options_and_a_json_answer_in_format() {
    let upstream = MockUpstream::start(vec![Reply::json(200, &answer())]).await;
    let provider = provider(&upstream);
    let schema = json!({"type": "object", "properties": {"color": {"type": "string"}}});
    let chat = ChatRequest {
        top_p: Some(0.9),
        stop: vec!["END".into()],
        seed: Some(42),
        response_format: ResponseFormat::JsonSchema(json!({"name": "sky", "strict": true, "schema": schema})),
        ..request()
    };
    provider.complete(&chat).await.unwrap();
    assert_eq!(
        upstream.received()[0].body,
        json!({"model": "ministral-3:3b", "stream": false, "format": schema,
               "options": {"num_predict": 100, "temperature": 0.1, "top_p": 0.9, "stop": ["END"], "seed": 42},
               "messages": [{"role": "user", "content": "Why is the sky blue?"}]})
    );
    provider.complete(&ChatRequest { response_format: ResponseFormat::JsonObject, ..request() }).await.unwrap();
    assert_eq!(upstream.received()[1].body["format"], "json");
    provider.complete(&request()).await.unwrap();
    assert_eq!(upstream.received()[2].body.get("format"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_are_offered_as_far_as_the_tool_choice_allows() {
    let upstream = MockUpstream::start(vec![Reply::json(200, &answer())]).await;
    let provider = provider(&upstream);
    let cases = [
        (ToolChoice::Auto, vec!["calculator", "web_search"]),
        (ToolChoice::Required, vec!["calculator", "web_search"]),
        (ToolChoice::Function("web_search".into()), vec!["web_search"]),
        (ToolChoice::None, vec![]),
    ];
    for (i, (tool_choice, offered)) in cases.into_iter().enumerate() {
        let chat = ChatRequest {
            tools: vec![tool("calculator"), tool("web_search")],
            tool_choice,
            parallel_tool_calls: Some(false),
            ..request()
        };
        provider.complete(&chat).await.unwrap();
        let sent = &upstream.received()[i].body;
        let names: Vec<&str> = sent["tools"]
            .as_array()
            .map(|tools| tools.iter().filter_map(|t| t["function"]["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, offered, "case {i}");
        assert_eq!((sent.get("tool_choice"), sent.get("parallel_tool_calls")), (None, None));
    }
}
