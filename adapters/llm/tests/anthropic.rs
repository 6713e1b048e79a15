//! The Anthropic adapter against a scripted upstream speaking the Messages API.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::time::Duration;

use ares_application::ports::ProviderConnector;
use ares_application::ports::{
    ChatMessage, ChatModel, ChatRequest, FinishReason, ProviderError, ResponseFormat, Role, StreamEvent, ToolCall,
    ToolChoice, ToolSpec, Usage,
};
use ares_domain::{
    Credential, NetworkConfig, Provider, ProviderKind, ProviderLimits, ProviderName, ProviderSecret, ProviderSource,
};
use ares_llm::testing::{MockUpstream, Reply};
use ares_llm::{Anthropic, Connector, Endpoint};
use futures_util::StreamExt;
use serde_json::{Value, json};

fn provider(upstream: &MockUpstream) -> Anthropic {
    let network = NetworkConfig { request_timeout: Duration::from_secs(5), ..NetworkConfig::default() };
    Anthropic::new(
        Endpoint::new(&format!("{}/v1", upstream.url()), Some(ProviderSecret::new("sk-ant-test")), network).unwrap(),
    )
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "claude-sonnet-4-6".into(),
        system: Some("You are terse.".into()),
        messages: vec![ChatMessage::text(Role::User, "What is 2+2?")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: None,
        temperature: None,
        ..ChatRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn complete_sends_system_top_level_with_the_version_and_key_headers() {
    let message = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": "Four."}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 21, "output_tokens": 4}
    });
    let upstream = MockUpstream::start(vec![Reply::json(200, &message)]).await;
    let response = provider(&upstream).complete(&request()).await.unwrap();
    assert_eq!(response.text, "Four.");
    assert_eq!(response.usage, Usage { prompt_tokens: 21, completion_tokens: 4, estimated: false });
    let sent = &upstream.received()[0];
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!((sent.header("x-api-key"), sent.header("anthropic-version")), (Some("sk-ant-test"), Some("2023-06-01")));
    assert_eq!(
        sent.body,
        json!({"model": "claude-sonnet-4-6", "max_tokens": 4096, "system": "You are terse.",
               "messages": [{"role": "user", "content": "What is 2+2?"}]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tool_use_and_tool_result_blocks_round_trip() {
    let message = json!({
        "content": [
            {"type": "text", "text": "Let me compute."},
            {"type": "tool_use", "id": "toolu_1", "name": "calculator", "input": {"expression": "2+2"}}
        ],
        "stop_reason": "tool_use", "usage": {"input_tokens": 50, "output_tokens": 20}
    });
    let upstream = MockUpstream::start(vec![Reply::json(200, &message)]).await;
    let mut chat = request();
    chat.tools =
        vec![ToolSpec { name: "calculator".into(), description: "math".into(), parameters: json!({"type": "object"}) }];
    chat.messages.push(ChatMessage {
        role: Role::Assistant,
        content: String::new(),
        tool_calls: vec![
            ToolCall { id: "toolu_a".into(), name: "calculator".into(), arguments: "{\"expression\":\"1+1\"}".into() },
            ToolCall { id: "toolu_b".into(), name: "calculator".into(), arguments: "not json".into() },
        ],
        tool_call_id: None,
    });
    chat.messages.push(ChatMessage { tool_call_id: Some("toolu_a".into()), ..ChatMessage::text(Role::Tool, "2") });
    chat.messages.push(ChatMessage {
        tool_call_id: Some("toolu_b".into()),
        ..ChatMessage::text(Role::Tool, "{\"error\":\"bad\"}")
    });
    let response = provider(&upstream).complete(&chat).await.unwrap();
    assert_eq!(response.finish_reason, FinishReason::ToolCalls);
    assert_eq!(response.text, "Let me compute.");
    assert_eq!(
        response.tool_calls,
        [ToolCall { id: "toolu_1".into(), name: "calculator".into(), arguments: "{\"expression\":\"2+2\"}".into() }]
    );
    let sent = &upstream.received()[0].body;
    assert_eq!(
        sent["tools"],
        json!([{"name": "calculator", "description": "math", "input_schema": {"type": "object"}}])
    );
    assert_eq!(
        sent["messages"][1],
        json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_a", "name": "calculator", "input": {"expression": "1+1"}},
            {"type": "tool_use", "id": "toolu_b", "name": "calculator", "input": {}}
        ]})
    );
    // Both results go back in one user turn.
    assert_eq!(
        sent["messages"][2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_a", "content": "2"},
            {"type": "tool_result", "tool_use_id": "toolu_b", "content": "{\"error\":\"bad\"}"}
        ]})
    );
    assert_eq!(sent["messages"].as_array().unwrap().len(), 3);
}

const STREAM: &str = concat!(
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: ping\ndata: {\"type\": \"ping\"}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" wörld\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"web_search\",\"input\":{}}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\": \"}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"rust\\\"}\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n",
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
);

#[tokio::test(flavor = "multi_thread")]
async fn the_event_stream_yields_text_tool_fragments_and_both_halves_of_the_usage() {
    for every in [1, 5, 13, STREAM.len()] {
        let upstream = MockUpstream::start(vec![Reply::stream("text/event-stream", STREAM, every)]).await;
        let stream = provider(&upstream).stream(&request()).await.unwrap();
        let events: Vec<StreamEvent> = stream.map(Result::unwrap).collect().await;
        assert_eq!(
            events,
            [
                StreamEvent::Text("Hello".into()),
                StreamEvent::Text(" wörld".into()),
                StreamEvent::ToolCall {
                    index: 0,
                    id: Some("toolu_9".into()),
                    name: Some("web_search".into()),
                    arguments: String::new()
                },
                StreamEvent::ToolCall { index: 0, id: None, name: None, arguments: "{\"query\": ".into() },
                StreamEvent::ToolCall { index: 0, id: None, name: None, arguments: "\"rust\"}".into() },
                StreamEvent::Finish(FinishReason::ToolCalls),
                StreamEvent::Usage(Usage { prompt_tokens: 25, completion_tokens: 15, estimated: false }),
            ],
            "chunks of {every} bytes"
        );
        assert_eq!(upstream.received()[0].body["stream"], true);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_event_mid_stream_ends_it_with_an_error() {
    let body = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n",
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
    );
    let upstream = MockUpstream::start(vec![Reply::stream("text/event-stream", body, 7)]).await;
    let events: Vec<_> = provider(&upstream).stream(&request()).await.unwrap().collect().await;
    assert_eq!(events, [Err(ProviderError::Protocol("stream error: Overloaded".into()))]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overloaded_answer_is_a_retryable_status() {
    let overloaded =
        Reply::error(529, r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, &[]);
    let upstream = MockUpstream::start(vec![overloaded]).await;
    let err = provider(&upstream).complete(&request()).await.unwrap_err();
    assert_eq!(err, ProviderError::Status { status: 529, message: "Overloaded".into(), retry_after: None });
    assert!(err.is_retryable());
}

fn text_message() -> Value {
    json!({"content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
           "usage": {"input_tokens": 1, "output_tokens": 1}})
}

fn calculator() -> ToolSpec {
    ToolSpec { name: "calculator".into(), description: "math".into(), parameters: json!({"type": "object"}) }
}

#[tokio::test(flavor = "multi_thread")]
async fn top_p_and_stop_sequences_are_sent_and_seed_and_response_format_are_left_out() {
    let upstream = MockUpstream::start(vec![Reply::json(200, &text_message())]).await;
    let chat = ChatRequest {
        temperature: Some(0.3),
        top_p: Some(0.8),
        stop: vec!["END".into()],
        seed: Some(7),
        response_format: ResponseFormat::JsonObject,
        ..request()
    };
    provider(&upstream).complete(&chat).await.unwrap();
    assert_eq!(
        upstream.received()[0].body,
        json!({"model": "claude-sonnet-4-6", "max_tokens": 4096, "system": "You are terse.",
               "temperature": 0.3, "top_p": 0.8, "stop_sequences": ["END"],
               "messages": [{"role": "user", "content": "What is 2+2?"}]})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tool_choice_takes_anthropics_forms_and_can_refuse_parallel_calls() {
    let upstream = MockUpstream::start(vec![Reply::json(200, &text_message())]).await;
    let provider = provider(&upstream);
    let forms = [
        (ToolChoice::Auto, None, Value::Null),
        (ToolChoice::None, None, json!({"type": "none"})),
        (ToolChoice::Required, None, json!({"type": "any"})),
        (ToolChoice::Function("calculator".into()), None, json!({"type": "tool", "name": "calculator"})),
        (ToolChoice::Auto, Some(true), Value::Null),
        (ToolChoice::Auto, Some(false), json!({"type": "auto", "disable_parallel_tool_use": true})),
        (ToolChoice::Required, Some(false), json!({"type": "any", "disable_parallel_tool_use": true})),
        (
            ToolChoice::Function("calculator".into()),
            Some(false),
            json!({"type": "tool", "name": "calculator", "disable_parallel_tool_use": true}),
        ),
        (ToolChoice::None, Some(false), json!({"type": "none"})),
    ];
    for (i, (tool_choice, parallel_tool_calls, wire)) in forms.into_iter().enumerate() {
        let chat = ChatRequest { tools: vec![calculator()], tool_choice, parallel_tool_calls, ..request() };
        provider.complete(&chat).await.unwrap();
        assert_eq!(upstream.received()[i].body["tool_choice"], wire, "case {i}");
    }
    let toolless = ChatRequest { tool_choice: ToolChoice::Required, parallel_tool_calls: Some(false), ..request() };
    provider.complete(&toolless).await.unwrap();
    assert_eq!(upstream.received()[9].body.get("tool_choice"), None, "no tools, nothing to choose");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_base_url_may_be_the_host_as_the_sdks_take_it_or_include_v1() {
    let upstream = MockUpstream::start(vec![Reply::json(200, &text_message())]).await;
    let bases = [upstream.url().to_owned(), format!("{}/", upstream.url()), format!("{}/v1", upstream.url())];
    let bases = bases.into_iter().chain([format!("{}/v1/", upstream.url())]);
    for (i, base) in bases.enumerate() {
        let network = NetworkConfig { request_timeout: Duration::from_secs(5), ..NetworkConfig::default() };
        let provider = Anthropic::new(Endpoint::new(&base, None, network).unwrap());
        provider.complete(&request()).await.unwrap();
        assert_eq!(upstream.received()[i].path, "/v1/messages", "{base}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn models_are_listed_under_v1_too() {
    let models = json!({"data": [{"id": "claude-sonnet-4-6", "type": "model"}], "has_more": false});
    let upstream = MockUpstream::start(vec![Reply::json(200, &models)]).await;
    let network = NetworkConfig::default();
    let provider = Anthropic::new(Endpoint::new(upstream.url(), None, network).unwrap());
    assert_eq!(provider.list_models().await.unwrap(), ["claude-sonnet-4-6"]);
    assert_eq!(upstream.received()[0].path, "/v1/models");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_provider_with_a_trailing_slash_reaches_v1_messages() {
    let upstream = MockUpstream::start(vec![Reply::json(200, &text_message())]).await;
    let now = chrono::Utc::now();
    let provider = Provider {
        name: ProviderName::parse("anthropic").unwrap(),
        kind: ProviderKind::Anthropic,
        base_url: Some(format!("{}/", upstream.url())),
        credential: Credential::Stored(ProviderSecret::new("sk-ant-test")),
        models: vec![],
        limits: ProviderLimits::default(),
        network: NetworkConfig::default(),
        enabled: true,
        source: ProviderSource::Config,
        discovered_models: vec![],
        models_refreshed_at: None,
        created_at: now,
        updated_at: now,
    };
    let model = Connector::new(&std::collections::HashMap::new()).connect(&provider).unwrap();
    model.complete(&request()).await.unwrap();
    assert_eq!(upstream.received()[0].path, "/v1/messages");
}
