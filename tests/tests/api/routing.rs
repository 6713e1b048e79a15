//! Routing end to end: the server's own router (bootstrap's wiring, the provider store, the real adapters) in
//! front of mock upstreams speaking the OpenAI, Anthropic and Ollama wire formats over real HTTP.

use std::time::Duration;

use ares_application::ports::{ChatMessage, ChatRequest, Role, StreamEvent, ToolChoice, Usage};
use ares_application::usecases::RouteError;
use ares_domain::ProviderName;
use ares_llm::testing::{MockUpstream, Reply};
use ares_store::Backend;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, status_and_json};

with_each_backend!(
    a_chat_routed_to_each_provider_kind_returns_its_text_and_exact_usage,
    a_chat_streamed_from_each_provider_kind_yields_its_deltas_and_usage,
    two_503s_then_success_are_retried_on_the_same_provider,
    a_refused_connection_fails_over_to_the_fallback,
    a_400_is_final_and_nothing_fails_over,
    a_provider_that_keeps_failing_is_skipped_and_the_operator_sees_why,
    a_provider_limit_refuses_before_the_upstream_is_called,
    an_operator_disables_and_re_enables_a_provider_while_the_server_runs,
    a_provider_without_its_key_is_unavailable_not_fatal,
);

const KEYS: [(&str, &str); 2] = [("GROQ_API_KEY", "gsk-test-groq"), ("ANTHROPIC_API_KEY", "sk-ant-test")];

/// Three providers, one of each real kind; `llama` falls back to `claude`.
fn config(openai: &str, anthropic: &str, ollama: &str, groq_extra: &str) -> String {
    format!(
        r#"
[routing]
retry_base_delay_ms = 1
retry_max_delay_ms = 5
circuit_failure_threshold = 3
circuit_cooldown_seconds = 600
reload_interval_seconds = 3600

[[providers]]
name = "groq"
type = "openai"
base_url = "{openai}/v1"
api_key_env = "GROQ_API_KEY"
{groq_extra}
[providers.network]
request_timeout_seconds = 5
max_retries = 2

[[providers.models]]
id = "llama-3.3-70b-versatile"
name = "llama"
tier = "balanced"
fallbacks = ["claude"]

[[providers]]
name = "anthropic"
type = "anthropic"
base_url = "{anthropic}/v1"
api_key_env = "ANTHROPIC_API_KEY"

[[providers.models]]
id = "claude-sonnet-4-6"
name = "claude"
tier = "powerful"

[[providers]]
name = "local"
type = "ollama"
base_url = "{ollama}"

[[providers.models]]
id = "ministral-3:3b"
name = "ministral"
tier = "local"
"#
    )
}

struct Upstreams {
    openai: MockUpstream,
    anthropic: MockUpstream,
    ollama: MockUpstream,
}

impl Upstreams {
    async fn start(openai: Vec<Reply>) -> Upstreams {
        Upstreams {
            openai: MockUpstream::start(openai).await,
            anthropic: MockUpstream::start(vec![Reply::json(200, &anthropic_message("From Claude."))]).await,
            ollama: MockUpstream::start(vec![Reply::json(200, &ollama_answer())]).await,
        }
    }

    async fn app(&self, backend: Backend, groq_extra: &str) -> TestApp {
        let text = config(self.openai.url(), self.anthropic.url(), self.ollama.url(), groq_extra);
        TestApp::spawn_configured(backend, &text, &KEYS).await
    }
}

fn completion(text: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "llama-3.3-70b-versatile",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    })
}

fn anthropic_message(text: &str) -> Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 21, "output_tokens": 4}
    })
}

fn ollama_answer() -> Value {
    json!({
        "model": "ministral-3:3b", "created_at": "2026-03-13T12:00:00Z",
        "message": {"role": "assistant", "content": "From Ollama."},
        "done": true, "done_reason": "stop", "prompt_eval_count": 17, "eval_count": 5
    })
}

fn chat(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        system: Some("Be brief.".into()),
        messages: vec![ChatMessage::text(Role::User, "Hello")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: Some(64),
        temperature: None,
        ..ChatRequest::default()
    }
}

fn exact(prompt_tokens: u64, completion_tokens: u64) -> Usage {
    Usage { prompt_tokens, completion_tokens, estimated: false }
}

async fn a_chat_routed_to_each_provider_kind_returns_its_text_and_exact_usage(backend: Backend) {
    let upstreams = Upstreams::start(vec![Reply::json(200, &completion("From Groq."))]).await;
    let app = upstreams.app(backend, "").await;
    for (model, text, usage, provider) in [
        ("llama", "From Groq.", exact(12, 3), "groq"),
        ("claude", "From Claude.", exact(21, 4), "anthropic"),
        ("ministral", "From Ollama.", exact(17, 5), "local"),
    ] {
        let routed = app.router.complete(&chat(model)).await.unwrap();
        assert_eq!((routed.value.text.as_str(), routed.value.usage), (text, usage), "{model}");
        assert_eq!((routed.provider.as_ref(), routed.model.as_str()), (provider, model));
    }
    let groq = &upstreams.openai.received()[0];
    assert_eq!(
        (groq.path.as_str(), groq.header("authorization")),
        ("/v1/chat/completions", Some("Bearer gsk-test-groq"))
    );
    assert_eq!(groq.body["model"], "llama-3.3-70b-versatile");
    let claude = &upstreams.anthropic.received()[0];
    assert_eq!((claude.path.as_str(), claude.header("x-api-key")), ("/v1/messages", Some("sk-ant-test")));
    assert_eq!(claude.body["system"], "Be brief.");
    assert_eq!(upstreams.ollama.received()[0].path, "/api/chat");
}

const OPENAI_STREAM: &str = concat!(
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Str\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"eamed\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n",
    "data: [DONE]\n\n",
);

const ANTHROPIC_STREAM: &str = concat!(
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Str\"}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"eamed\"}}\n\n",
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":6}}\n\n",
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
);

const OLLAMA_STREAM: &str = concat!(
    "{\"message\":{\"role\":\"assistant\",\"content\":\"Str\"},\"done\":false}\n",
    "{\"message\":{\"role\":\"assistant\",\"content\":\"eamed\"},\"done\":false}\n",
    "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":14,\"eval_count\":2}\n",
);

async fn a_chat_streamed_from_each_provider_kind_yields_its_deltas_and_usage(backend: Backend) {
    let upstreams = Upstreams {
        openai: MockUpstream::start(vec![Reply::stream("text/event-stream", OPENAI_STREAM, 7)]).await,
        anthropic: MockUpstream::start(vec![Reply::stream("text/event-stream", ANTHROPIC_STREAM, 11)]).await,
        ollama: MockUpstream::start(vec![Reply::stream("application/x-ndjson", OLLAMA_STREAM, 5)]).await,
    };
    let app = upstreams.app(backend, "").await;
    for (model, usage) in [("llama", exact(9, 2)), ("claude", exact(30, 6)), ("ministral", exact(14, 2))] {
        let routed = app.router.stream(&chat(model)).await.unwrap();
        let events: Vec<StreamEvent> = routed.value.map(Result::unwrap).collect().await;
        let deltas: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(deltas, ["Str", "eamed"], "{model}");
        assert_eq!(events.last(), Some(&StreamEvent::Usage(usage)), "{model}");
    }
}

fn groq() -> ProviderName {
    ProviderName::parse("groq").unwrap()
}

async fn two_503s_then_success_are_retried_on_the_same_provider(backend: Backend) {
    let unavailable = || Reply::error(503, r#"{"error":{"message":"Service Unavailable"}}"#, &[]);
    let upstreams =
        Upstreams::start(vec![unavailable(), unavailable(), Reply::json(200, &completion("Third time lucky."))]).await;
    let app = upstreams.app(backend, "").await;
    let routed = app.router.complete(&chat("llama")).await.unwrap();
    assert_eq!((routed.value.text.as_str(), routed.provider.as_ref()), ("Third time lucky.", "groq"));
    assert_eq!(upstreams.openai.received().len(), 3);
    assert!(upstreams.anthropic.received().is_empty(), "no failover was needed");
}

async fn a_refused_connection_fails_over_to_the_fallback(backend: Backend) {
    let upstreams = Upstreams::start(vec![]).await;
    // Port 1: nothing listens there, and no test server can take it (they bind port 0), unlike a port freed a
    // moment ago, which another test's server may be given.
    let refusing = "http://127.0.0.1:1";
    let text = config(refusing, upstreams.anthropic.url(), upstreams.ollama.url(), "");
    let app = TestApp::spawn_configured(backend, &text, &KEYS).await;
    let routed = app.router.complete(&chat("llama")).await.unwrap();
    assert_eq!(
        (routed.value.text.as_str(), routed.provider.as_ref(), routed.model.as_str()),
        ("From Claude.", "anthropic", "claude")
    );
    assert_eq!(routed.value.usage, exact(21, 4));
}

async fn a_400_is_final_and_nothing_fails_over(backend: Backend) {
    let bad = Reply::error(400, r#"{"error":{"message":"context_length_exceeded"}}"#, &[]);
    let upstreams = Upstreams::start(vec![bad]).await;
    let app = upstreams.app(backend, "").await;
    let err = app.router.complete(&chat("llama")).await.unwrap_err();
    assert_eq!(err, RouteError::Rejected { provider: groq(), status: 400, message: "context_length_exceeded".into() });
    assert_eq!(upstreams.openai.received().len(), 1, "a request the upstream refused is not retried");
    assert!(upstreams.anthropic.received().is_empty(), "nor failed over");
}

async fn a_provider_that_keeps_failing_is_skipped_and_the_operator_sees_why(backend: Backend) {
    let upstreams = Upstreams::start(vec![Reply::error(503, r#"{"error":{"message":"overloaded"}}"#, &[])]).await;
    let app = upstreams.app(backend, "").await;
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "anthropic");
    assert_eq!(upstreams.openai.received().len(), 3, "three failures in a row open the circuit");
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "anthropic");
    assert_eq!(upstreams.openai.received().len(), 3, "an open circuit is not called");

    let (status, body) =
        status_and_json(app.admin(Method::GET, "/api/admin/providers/groq").send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!((body["available"].clone(), body["health"]["circuit"].clone()), (json!(false), json!("open")));
    assert_eq!(body["health"]["consecutive_failures"], 3);
    assert_eq!(body["health"]["last_error"], "upstream answered 503: overloaded");
    let reason = body["unavailable_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("circuit open until ")
            && reason.ends_with("after 3 failures in a row: upstream answered 503: overloaded"),
        "{reason}"
    );
    let (_, models) = status_and_json(app.admin(Method::GET, "/api/admin/models").send().await.unwrap()).await;
    let llama = models["models"].as_array().unwrap().iter().find(|m| m["id"] == "llama").unwrap().clone();
    assert_eq!(
        (llama["available"].clone(), llama["reason"].as_str().map(|r| r.starts_with("circuit open"))),
        (json!(false), Some(true))
    );
}

async fn a_provider_limit_refuses_before_the_upstream_is_called(backend: Backend) {
    let upstreams = Upstreams::start(vec![Reply::json(200, &completion("Once."))]).await;
    let app = upstreams.app(backend, "requests_per_day = 1").await;
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().value.text, "Once.");
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "anthropic", "failed over");
    let response = app.admin(Method::POST, "/api/admin/providers/anthropic/disable").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let err = app.router.complete(&chat("llama")).await.unwrap_err();
    let RouteError::RateLimited { provider, retry_after } = err else { panic!("{err:?}") };
    assert_eq!(provider, groq());
    assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(86_400));
    assert_eq!(upstreams.openai.received().len(), 1, "the limit is enforced before calling the upstream");
}

async fn an_operator_disables_and_re_enables_a_provider_while_the_server_runs(backend: Backend) {
    let upstreams = Upstreams::start(vec![Reply::json(200, &completion("From Groq."))]).await;
    let app = upstreams.app(backend, "").await;
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "groq");

    let (status, body) =
        status_and_json(app.admin(Method::POST, "/api/admin/providers/groq/disable").send().await.unwrap()).await;
    assert_eq!(
        (status, body["enabled"].clone(), body["unavailable_reason"].clone()),
        (200, json!(false), json!("disabled by an operator"))
    );
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "anthropic");

    let (status, body) =
        status_and_json(app.admin(Method::POST, "/api/admin/providers/groq/enable").send().await.unwrap()).await;
    assert_eq!((status, body["enabled"].clone(), body["available"].clone()), (200, json!(true), json!(true)));
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "groq");

    let extra = MockUpstream::start(vec![Reply::json(200, &completion("From the new one."))]).await;
    let new = json!({"id": "vllm", "type": "openai", "base_url": format!("{}/v1", extra.url()),
                     "models": [{"id": "qwen-2.5", "name": "qwen"}]});
    let (status, _) =
        status_and_json(app.admin(Method::POST, "/api/admin/providers").json(&new).send().await.unwrap()).await;
    assert_eq!(status, 201);
    assert_eq!(app.router.complete(&chat("qwen")).await.unwrap().value.text, "From the new one.");
}

async fn a_provider_without_its_key_is_unavailable_not_fatal(backend: Backend) {
    let upstreams = Upstreams::start(vec![]).await;
    let text = config(upstreams.openai.url(), upstreams.anthropic.url(), upstreams.ollama.url(), "");
    let app = TestApp::spawn_configured(backend, &text, &[("ANTHROPIC_API_KEY", "sk-ant-test")]).await;
    let (_, models) = status_and_json(app.admin(Method::GET, "/api/admin/models").send().await.unwrap()).await;
    assert_eq!(
        models["models"][0],
        json!({"id": "llama", "provider": "groq", "upstream_id": "llama-3.3-70b-versatile", "context_length": null,
               "supports_tools": true, "tier": "balanced", "fallbacks": ["claude"], "available": false,
               "reason": "GROQ_API_KEY is not set"})
    );
    assert_eq!(models["models"][1]["available"], true);
    assert_eq!(app.router.complete(&chat("llama")).await.unwrap().provider.as_ref(), "anthropic");
    assert!(upstreams.openai.received().is_empty());
}
