//! `/v1/chat` and `/v1/chat/stream`: to a model or an agent, whole or streamed, errors before a stream as plain
//! JSON.

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::error;

with_each_backend!(
    a_chat_with_a_model_answers_the_documented_body,
    a_chat_with_an_agent_type_speaks_as_that_agent,
    chat_bodies_are_checked,
    a_stream_sends_deltas_then_the_tokens_used,
    errors_before_a_stream_are_plain_json_and_after_it_end_the_stream,
);

const STREAM: &str = concat!(
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Based on\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" the data,\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Q1 revenue\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":300,\"completion_tokens\":12}}\n\n",
    "data: [DONE]\n\n",
);

fn summary() -> Value {
    json!({"messages": [{"role": "user", "content": "Summarize Q1 revenue trends."}], "model": "llama-3.3-70b"})
}

/// The `data:` events of an SSE body, parsed.
fn events(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

async fn a_chat_with_a_model_answers_the_documented_body(backend: Backend) {
    let reply = completion("Based on the data, Q1 revenue showed...", 300, 12);
    let client = Client::start(backend, vec![Reply::json(200, &reply)], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let (status, body) = client.call(&key, Method::POST, "/v1/chat", Some(summary())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["content"], &body["model"], &body["tokens_used"], &body["finish_reason"]),
        (&json!("Based on the data, Q1 revenue showed..."), &json!("llama-3.3-70b"), &json!(312), &json!("stop"))
    );
    assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
    let sent = &client.upstream.received()[0].body;
    assert_eq!(
        (&sent["model"], &sent["messages"]),
        (&json!("llama-3.3-70b-versatile"), &json!([{"role": "user", "content": "Summarize Q1 revenue trends."}]))
    );
    let (status, tier) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hello", "model": "fast"}))).await;
    assert_eq!((status, &tier["model"]), (200, &json!("llama-3.1-8b")), "a tier names its model");
}

async fn a_chat_with_an_agent_type_speaks_as_that_agent(backend: Backend) {
    let client =
        Client::start(backend, vec![Reply::json(200, &completion("{\"category\": \"electronics\"}", 40, 8))], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let body = json!({"message": "Classify this transaction: $500 at electronics store", "agent_type": "classifier"});
    let (status, answer) = client.call(&key, Method::POST, "/v1/chat", Some(body)).await;
    assert_eq!((status, &answer["model"], &answer["tokens_used"]), (200, &json!("llama-3.3-70b"), &json!(48)));
    let sent = &client.upstream.received()[0].body;
    assert!(sent["messages"][0]["content"].as_str().unwrap().starts_with("You are a transaction classifier"));
    assert_eq!(sent["max_tokens"], 1024, "the agent's max_tokens");
    // A tenant without an agent of that name or type speaks to the platform's agent of that name, else none.
    let (status, body) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "x", "agent_type": "product"}))).await;
    assert_eq!((status, &body["agent"]), (200, &json!("product")), "{body}");
    let (status, body) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "x", "agent_type": "nobody"}))).await;
    assert_eq!((status, body), (404, error("Agent not found: nobody", "NOT_FOUND")));
}

async fn chat_bodies_are_checked(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("x", 1, 1))], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let cases = [
        (json!({"model": "fast"}), 400, "Missing required field: messages", "BAD_REQUEST"),
        (json!({"message": "hi"}), 400, "Missing required field: model (or agent_type)", "BAD_REQUEST"),
        (
            json!({"messages": [{"role": "tool", "content": "x"}], "model": "fast"}),
            422,
            "Invalid message role: 'tool'. Use system, user or assistant",
            "VALIDATION_ERROR",
        ),
        (
            json!({"messages": [{"role": "system", "content": "x"}], "model": "fast"}),
            400,
            "messages must hold at least one user message",
            "BAD_REQUEST",
        ),
        (
            json!({"message": "hi", "model": "fast", "temperature": 3}),
            422,
            "Invalid temperature: 3. Use 0-2",
            "VALIDATION_ERROR",
        ),
        (json!({"message": "hi", "model": "gpt-9"}), 422, "Unknown model: 'gpt-9'", "VALIDATION_ERROR"),
    ];
    for (body, status, message, code) in cases {
        for path in ["/v1/chat", "/v1/chat/stream"] {
            assert_eq!(
                client.call(&key, Method::POST, path, Some(body.clone())).await,
                (status, error(message, code)),
                "{path} {body}"
            );
        }
    }
}

async fn a_stream_sends_deltas_then_the_tokens_used(backend: Backend) {
    let client = Client::start(backend, vec![Reply::stream("text/event-stream", STREAM, 9)], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    for (path, body) in [
        ("/v1/chat/stream", summary()),
        ("/v1/chat", json!({"stream": true, "message": "Summarize", "model": "llama-3.3-70b"})),
    ] {
        let response = client.app.client_request(&key, Method::POST, path).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["x-ratelimit-limit"], "10000");
        let mut events = events(&response.text().await.unwrap());
        // The Quickstart's `message` is kept in a conversation, which the last event names; `messages` are not.
        let last = events.last_mut().unwrap().as_object_mut().unwrap();
        let kept = last.remove("context_id");
        assert_eq!(kept.is_some(), body.get("message").is_some(), "{path}: {kept:?}");
        assert_eq!(
            events,
            [
                json!({"delta": "Based on", "finish_reason": null}),
                json!({"delta": " the data,", "finish_reason": null}),
                json!({"delta": " Q1 revenue", "finish_reason": null}),
                json!({"delta": "", "finish_reason": "stop", "tokens_used": 312}),
            ],
            "{path}"
        );
        assert!(client.upstream.received().last().unwrap().body["stream"] == json!(true));
    }
    let rows = client.app.db.text_column("usage_events", "endpoint").await.unwrap();
    assert!(rows.contains(&"POST /v1/chat/stream".to_owned()), "the stream's usage was recorded: {rows:?}");
}

async fn errors_before_a_stream_are_plain_json_and_after_it_end_the_stream(backend: Backend) {
    let first_two = STREAM.split("\n\n").take(2).collect::<Vec<_>>().join("\n\n") + "\n\n";
    let replies = vec![
        Reply::error(401, r#"{"error":{"message":"Invalid API Key"}}"#, &[]),
        Reply::DropAfter { status: 200, chunks: vec![first_two.into_bytes()] },
    ];
    let client = Client::start(backend, replies, "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let response =
        client.app.client_request(&key, Method::POST, "/v1/chat/stream").json(&summary()).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        crate::helpers::status_and_json(response).await,
        (502, error("Provider 'groq' rejected the request: Invalid API Key", "PROVIDER_ERROR"))
    );
    let response =
        client.app.client_request(&key, Method::POST, "/v1/chat/stream").json(&summary()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let events = events(&response.text().await.unwrap());
    assert_eq!(events[0], json!({"delta": "Based on", "finish_reason": null}));
    let last = events.last().unwrap();
    assert_eq!(last["finish_reason"], "error");
    assert!(last["error"].as_str().unwrap().starts_with("Provider 'groq' failed: connection failed"), "{last}");
}
