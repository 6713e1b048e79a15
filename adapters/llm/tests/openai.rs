//! The OpenAI-compatible adapter against a scripted upstream speaking the real wire format.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::time::Duration;

use ares_application::ports::{
    ChatMessage, ChatModel, ChatRequest, FinishReason, ProviderError, ResponseFormat, Role, StreamEvent, ToolCall,
    ToolChoice, ToolSpec, Usage,
};
use ares_domain::{NetworkConfig, ProviderSecret};
use ares_llm::testing::{MockUpstream, Reply};
use ares_llm::{Endpoint, OpenAi};
use futures_util::StreamExt;
use serde_json::{Value, json};

fn provider(upstream: &MockUpstream, timeout: Duration) -> OpenAi {
    let network = NetworkConfig { request_timeout: timeout, ..NetworkConfig::default() };
    OpenAi::new(
        Endpoint::new(&format!("{}/v1", upstream.url()), Some(ProviderSecret::new("sk-test")), network).unwrap(),
    )
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "llama-3.3-70b-versatile".into(),
        system: Some("Be brief.".into()),
        messages: vec![ChatMessage::text(Role::User, "Hello there")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: Some(64),
        temperature: Some(0.5),
        ..ChatRequest::default()
    }
}

fn completion(message: Value, usage: Option<Value>) -> Value {
    let mut body = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "llama-3.3-70b-versatile",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]
    });
    if let Some(usage) = usage {
        body["usage"] = usage;
    }
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn complete_sends_the_openai_body_and_reads_text_and_exact_usage() {
    let body = completion(
        json!({"role": "assistant", "content": "Hi!"}),
        Some(json!({"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15})),
    );
    let upstream = MockUpstream::start(vec![Reply::json(200, &body)]).await;
    let response = provider(&upstream, Duration::from_secs(5)).complete(&request()).await.unwrap();
    assert_eq!(response.text, "Hi!");
    assert_eq!(response.usage, Usage { prompt_tokens: 12, completion_tokens: 3, estimated: false });
    assert_eq!(response.finish_reason, FinishReason::Stop);
    let sent = &upstream.received()[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(
        sent.body,
        json!({
            "model": "llama-3.3-70b-versatile", "stream": false, "max_tokens": 64, "temperature": 0.5,
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn complete_offers_tools_and_reads_the_calls_made() {
    let message = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "calculator", "arguments": "{\"expression\":\"2+2\"}"}}
    ]});
    let mut body = completion(message, Some(json!({"prompt_tokens": 30, "completion_tokens": 9})));
    body["choices"][0]["finish_reason"] = json!("tool_calls");
    let upstream = MockUpstream::start(vec![Reply::json(200, &body)]).await;
    let mut chat = request();
    chat.tools = vec![ToolSpec {
        name: "calculator".into(),
        description: "Evaluates arithmetic".into(),
        parameters: json!({"type": "object", "properties": {"expression": {"type": "string"}}}),
    }];
    chat.messages.push(ChatMessage {
        role: Role::Assistant,
        content: String::new(),
        tool_calls: vec![ToolCall { id: "call_0".into(), name: "calculator".into(), arguments: "{}".into() }],
        tool_call_id: None,
    });
    chat.messages
        .push(ChatMessage { tool_call_id: Some("call_0".into()), ..ChatMessage::text(Role::Tool, "{\"result\":4}") });
    let response = provider(&upstream, Duration::from_secs(5)).complete(&chat).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(
        response.tool_calls,
        [ToolCall { id: "call_1".into(), name: "calculator".into(), arguments: "{\"expression\":\"2+2\"}".into() }]
    );
    let sent = &upstream.received()[0].body;
    assert_eq!(sent["tools"][0]["type"], "function");
    assert_eq!(sent["tools"][0]["function"]["name"], "calculator");
    assert_eq!(sent["messages"][2]["tool_calls"][0]["function"]["arguments"], "{}");
    assert_eq!(sent["messages"][2]["content"], Value::Null);
    assert_eq!(sent["messages"][3], json!({"role": "tool", "tool_call_id": "call_0", "content": "{\"result\":4}"}));
}

fn calculator() -> ToolSpec {
    ToolSpec { name: "calculator".into(), description: "math".into(), parameters: json!({"type": "object"}) }
}

#[tokio::test(flavor = "multi_thread")]
async fn sampling_fields_and_the_response_format_reach_the_upstream() {
    let body = completion(json!({"role": "assistant", "content": "{}"}), None);
    let upstream = MockUpstream::start(vec![Reply::json(200, &body)]).await;
    let schema = json!({"name": "answer", "strict": true, "schema": {"type": "object"}});
    let chat = ChatRequest {
        top_p: Some(0.9),
        stop: vec!["END".into(), "\n\n".into()],
        seed: Some(42),
        response_format: ResponseFormat::JsonSchema(schema.clone()),
        // Without tools there is nothing to choose from: neither field is sent.
        tool_choice: ToolChoice::Required,
        parallel_tool_calls: Some(false),
        ..request()
    };
    provider(&upstream, Duration::from_secs(5)).complete(&chat).await.unwrap();
    let sent = &upstream.received()[0].body;
    assert_eq!(
        *sent,
        json!({
            "model": "llama-3.3-70b-versatile", "stream": false, "max_tokens": 64, "temperature": 0.5,
            "top_p": 0.9, "stop": ["END", "\n\n"], "seed": 42,
            "response_format": {"type": "json_schema", "json_schema": schema},
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
        })
    );
    let json_object = ChatRequest { response_format: ResponseFormat::JsonObject, ..request() };
    provider(&upstream, Duration::from_secs(5)).complete(&json_object).await.unwrap();
    assert_eq!(upstream.received()[1].body["response_format"], json!({"type": "json_object"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn tool_choice_goes_with_the_tools_in_each_form_and_parallel_calls_can_be_refused() {
    let body = completion(json!({"role": "assistant", "content": "ok"}), None);
    let upstream = MockUpstream::start(vec![Reply::json(200, &body)]).await;
    let provider = provider(&upstream, Duration::from_secs(5));
    let forms = [
        (ToolChoice::Auto, json!("auto")),
        (ToolChoice::None, json!("none")),
        (ToolChoice::Required, json!("required")),
        (ToolChoice::Function("calculator".into()), json!({"type": "function", "function": {"name": "calculator"}})),
    ];
    for (i, (choice, wire)) in forms.into_iter().enumerate() {
        let chat = ChatRequest { tools: vec![calculator()], tool_choice: choice, ..request() };
        provider.complete(&chat).await.unwrap();
        let sent = &upstream.received()[i].body;
        assert_eq!(sent["tool_choice"], wire);
        assert_eq!(sent.get("parallel_tool_calls"), None, "sent only when the agent set it");
    }
    let single = ChatRequest { tools: vec![calculator()], parallel_tool_calls: Some(false), ..request() };
    let stream = provider.stream(&single).await.unwrap();
    collect(stream).await;
    let sent = &upstream.received()[4].body;
    assert_eq!((&sent["parallel_tool_calls"], &sent["tool_choice"]), (&json!(false), &json!("auto")));
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completion_without_usage_is_estimated_and_says_so() {
    let body = completion(json!({"role": "assistant", "content": "12345678"}), None);
    let upstream = MockUpstream::start(vec![Reply::json(200, &body)]).await;
    let response = provider(&upstream, Duration::from_secs(5)).complete(&request()).await.unwrap();
    assert_eq!(response.usage, Usage { prompt_tokens: 5, completion_tokens: 2, estimated: true });
}

const STREAM: &str = concat!(
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hél\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo, \"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"wörld\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":4,\"total_tokens\":15}}\n\n",
    "data: [DONE]\n\n",
);

async fn collect(stream: ares_application::ports::ChatStream) -> Vec<Result<StreamEvent, ProviderError>> {
    stream.collect().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_split_at_awkward_bytes_yields_every_delta_and_the_usage_only_final_chunk() {
    for every in [1, 3, 7, 64, STREAM.len()] {
        let upstream = MockUpstream::start(vec![Reply::stream("text/event-stream", STREAM, every)]).await;
        let stream = provider(&upstream, Duration::from_secs(5)).stream(&request()).await.unwrap();
        let events: Vec<StreamEvent> = collect(stream).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            events,
            [
                StreamEvent::Text("Hél".into()),
                StreamEvent::Text("lo, ".into()),
                StreamEvent::Text("wörld".into()),
                StreamEvent::Finish(FinishReason::Stop),
                StreamEvent::Usage(Usage { prompt_tokens: 11, completion_tokens: 4, estimated: false }),
            ],
            "chunks of {every} bytes"
        );
        let sent = &upstream.received()[0].body;
        assert_eq!(
            (sent["stream"].clone(), sent["stream_options"].clone()),
            (json!(true), json!({"include_usage": true}))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_tool_call_fragments_arrive_in_order() {
    let body = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"web_search\",\"arguments\":\"\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"query\\\":\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"rust\\\"}\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let upstream = MockUpstream::start(vec![Reply::stream("text/event-stream", body, 5)]).await;
    let stream = provider(&upstream, Duration::from_secs(5)).stream(&request()).await.unwrap();
    let events: Vec<StreamEvent> = collect(stream).await.into_iter().map(Result::unwrap).collect();
    let arguments: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ToolCall { index: 0, arguments, .. } => Some(arguments.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(arguments, "{\"query\":\"rust\"}");
    assert!(
        matches!(&events[0], StreamEvent::ToolCall { id: Some(id), name: Some(name), .. } if id == "call_a" && name == "web_search")
    );
    assert_eq!(events[events.len() - 2], StreamEvent::Finish(FinishReason::ToolCalls));
    // No usage from the upstream: estimated, and marked so.
    assert!(matches!(events.last(), Some(StreamEvent::Usage(Usage { estimated: true, .. }))));
}

#[tokio::test(flavor = "multi_thread")]
async fn error_answers_carry_status_message_and_retry_after() {
    let rate_limited =
        Reply::error(429, r#"{"error":{"message":"Rate limit reached","type":"tokens"}}"#, &[("retry-after", "2")]);
    let bad = Reply::error(400, r#"{"error":{"message":"model not found"}}"#, &[]);
    let upstream = MockUpstream::start(vec![rate_limited, bad]).await;
    let provider = provider(&upstream, Duration::from_secs(5));
    let err = provider.complete(&request()).await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::Status {
            status: 429,
            message: "Rate limit reached".into(),
            retry_after: Some(Duration::from_secs(2))
        }
    );
    assert!(err.is_retryable());
    let err = provider.stream(&request()).await.err().unwrap();
    assert_eq!(err, ProviderError::Status { status: 400, message: "model not found".into(), retry_after: None });
    assert!(!err.is_retryable());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_upstream_times_out() {
    let upstream = MockUpstream::start(vec![Reply::Hang]).await;
    let err = provider(&upstream, Duration::from_millis(200)).complete(&request()).await.unwrap_err();
    assert_eq!(err, ProviderError::Timeout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_is_a_connection_error() {
    let upstream = MockUpstream::start(vec![Reply::Drop]).await;
    let err = provider(&upstream, Duration::from_secs(5)).complete(&request()).await.unwrap_err();
    assert!(matches!(err, ProviderError::Connect(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_a_connection_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);
    let provider = OpenAi::new(Endpoint::new(&url, None, NetworkConfig::default()).unwrap());
    let err = provider.complete(&request()).await.unwrap_err();
    assert!(matches!(err, ProviderError::Connect(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_cut_mid_body_ends_with_an_error() {
    let first = STREAM.split("\n\n").take(2).collect::<Vec<_>>().join("\n\n") + "\n\n";
    let upstream = MockUpstream::start(vec![Reply::DropAfter { status: 200, chunks: vec![first.into_bytes()] }]).await;
    let stream = provider(&upstream, Duration::from_secs(5)).stream(&request()).await.unwrap();
    let events = collect(stream).await;
    assert_eq!(events[0], Ok(StreamEvent::Text("Hél".into())));
    assert!(matches!(events.last(), Some(Err(ProviderError::Connect(_)))), "{events:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn models_and_embeddings_are_read() {
    let models = json!({"object": "list", "data": [{"id": "llama-3.1-8b-instant", "object": "model"}, {"id": "whisper", "object": "model"}]});
    let embeddings = json!({"data": [
        {"index": 1, "embedding": [0.5, 0.25]}, {"index": 0, "embedding": [1.0, -1.0]}
    ], "usage": {"prompt_tokens": 6, "total_tokens": 6}});
    let upstream = MockUpstream::start(vec![Reply::json(200, &models), Reply::json(200, &embeddings)]).await;
    let provider = provider(&upstream, Duration::from_secs(5));
    assert_eq!(provider.list_models().await.unwrap(), ["llama-3.1-8b-instant", "whisper"]);
    let result = provider.embed("embed-model", &["a".into(), "b".into()]).await.unwrap();
    assert_eq!(result.vectors, [vec![1.0, -1.0], vec![0.5, 0.25]]);
    assert_eq!(result.usage.prompt_tokens, 6);
    assert_eq!(upstream.received()[1].body, json!({"model": "embed-model", "input": ["a", "b"]}));
    assert_eq!(upstream.received()[0].path, "/v1/models");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_url_with_a_trailing_slash_makes_no_double_slash() {
    let body = completion(json!({"role": "assistant", "content": "Hi!"}), None);
    let upstream = MockUpstream::start(vec![Reply::json(200, &body)]).await;
    let endpoint = Endpoint::new(&format!("{}/v1/", upstream.url()), None, NetworkConfig::default()).unwrap();
    OpenAi::new(endpoint).complete(&request()).await.unwrap();
    assert_eq!(upstream.received()[0].path, "/v1/chat/completions");
}
