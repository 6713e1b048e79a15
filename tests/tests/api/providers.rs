//! `/api/admin/providers` and `/api/admin/models`: providers managed at runtime, their keys never returned.

use ares_application::ports::{ChatMessage, ChatRequest, Role, ToolChoice};
use ares_llm::testing::{MockUpstream, Reply};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error};

on_both_backends!(
    configured_providers_are_listed_read_only_with_why_they_are_unavailable,
    the_models_list_has_the_documented_shape_and_availability,
    a_provider_defined_over_the_api_is_routed_at_once_and_its_key_is_never_returned,
    configured_providers_cannot_be_edited_or_deleted_through_the_api,
    provider_bodies_are_checked,
    discovered_models_become_routable,
    api_providers_and_operator_choices_survive_a_restart,
);

const SECRET: &str = "sk-live-do-not-leak-7f3a";

fn chat(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        system: None,
        messages: vec![ChatMessage::text(Role::User, "Hi")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: None,
        temperature: None,
        ..ChatRequest::default()
    }
}

fn completion(text: &str) -> Value {
    json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2}
    })
}

fn vllm(upstream: &MockUpstream) -> Value {
    json!({
        "id": "vllm-main",
        "type": "openai",
        "base_url": format!("{}/v1", upstream.url()),
        "api_key": SECRET,
        "models": [{"id": "Qwen/Qwen2.5-7B", "name": "qwen-7b", "context_length": 32768, "tier": "fast",
                    "input_price_per_mtok": 0.2, "output_price_per_mtok": 0.6}],
        "limits": {"tokens_per_minute": 50000},
        "network": {"request_timeout_seconds": 30, "max_retries": 1}
    })
}

async fn configured_providers_are_listed_read_only_with_why_they_are_unavailable(app: TestApp) {
    let (status, body) = app.admin_call(Method::GET, "/api/admin/providers", None).await;
    assert_eq!(status, 200);
    let providers = body["providers"].as_array().unwrap();
    let ids: Vec<&str> = providers.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["groq", "anthropic", "nvidia-deepseek", "local"]);
    let groq = &providers[0];
    assert_eq!(
        (&groq["type"], &groq["source"], &groq["read_only"], &groq["enabled"], &groq["available"]),
        (&json!("openai"), &json!("config"), &json!(true), &json!(true), &json!(false))
    );
    assert_eq!(groq["unavailable_reason"], "GROQ_API_KEY is not set");
    assert_eq!(groq["api_key_env"], "GROQ_API_KEY");
    assert_eq!(
        groq["models"][0],
        json!({"id": "llama-3.1-8b-instant", "name": "llama-3.1-8b", "context_length": 131072,
        "supports_tools": true, "tier": "fast", "fallbacks": [], "input_price_per_mtok": 0.05,
        "output_price_per_mtok": 0.08})
    );
    assert_eq!(groq["health"]["circuit"], "closed");
    assert_eq!(providers[3]["available"], true, "a local Ollama needs no key");
}

async fn the_models_list_has_the_documented_shape_and_availability(app: TestApp) {
    let (status, body) = app.admin_call(Method::GET, "/api/admin/models", None).await;
    assert_eq!(status, 200);
    let models = body["models"].as_array().unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["llama-3.1-8b", "llama-3.3-70b", "claude-sonnet-4-6", "deepseek-v3.2", "ministral-3:3b"]);
    let deepseek = &models[3];
    assert_eq!(
        (&deepseek["provider"], &deepseek["context_length"], &deepseek["supports_tools"], &deepseek["available"]),
        (&json!("nvidia-deepseek"), &json!(65536), &json!(false), &json!(false))
    );
    assert_eq!(deepseek["reason"], "NVIDIA_API_KEY is not set");
    assert!(models[4].get("reason").is_none(), "an available model gives no reason");
}

async fn a_provider_defined_over_the_api_is_routed_at_once_and_its_key_is_never_returned(app: TestApp) {
    let upstream = MockUpstream::start(vec![Reply::json(200, &completion("Hello from vLLM."))]).await;
    let response = app.admin(Method::POST, "/api/admin/providers").json(&vllm(&upstream)).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let text = response.text().await.unwrap();
    assert!(!text.contains(SECRET), "the key leaked: {text}");
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (&created["source"], &created["read_only"], &created["api_key_stored"]),
        (&json!("api"), &json!(false), &json!(true))
    );
    assert_eq!(created["network"]["request_timeout_seconds"], 30.0);
    assert_eq!(created["limits"], json!({"requests_per_day": null, "tokens_per_minute": 50000}));
    assert_eq!(
        (&created["models"][0]["input_price_per_mtok"], &created["models"][0]["output_price_per_mtok"]),
        (&json!(0.2), &json!(0.6)),
        "a model's price is set through the API too"
    );
    assert_eq!(app.router.price("vllm-main", "qwen-7b").cost_nanos(1_000_000, 1_000_000), 800_000_000, "$0.80");

    let routed = app.router.complete(&chat("qwen-7b")).await.unwrap();
    assert_eq!(routed.value.text, "Hello from vLLM.");
    let sent = &upstream.received()[0];
    assert_eq!(
        (sent.header("authorization"), &sent.body["model"]),
        (Some(format!("Bearer {SECRET}").as_str()), &json!("Qwen/Qwen2.5-7B"))
    );

    for path in ["/api/admin/providers", "/api/admin/providers/vllm-main", "/api/admin/models"] {
        let text = app.admin(Method::GET, path).send().await.unwrap().text().await.unwrap();
        assert!(!text.contains(SECRET), "{path} leaked the key");
    }
    let stored = app.db.text_column("providers", "name").await.unwrap();
    assert!(stored.contains(&"vllm-main".to_owned()));
    let sealed = app.db.text_column("providers WHERE name = 'vllm-main'", "api_key").await.unwrap();
    assert!(sealed[0].starts_with("enc:v1:") && !sealed[0].contains(SECRET), "stored in clear: {sealed:?}");

    let patch =
        json!({"models": [{"id": "Qwen/Qwen2.5-72B", "name": "qwen-72b"}], "limits": {"tokens_per_minute": null}});
    let (status, updated) = app.admin_call(Method::PUT, "/api/admin/providers/vllm-main", Some(patch)).await;
    assert_eq!(
        (status, &updated["models"][0]["name"], &updated["limits"]["tokens_per_minute"]),
        (200, &json!("qwen-72b"), &Value::Null)
    );
    assert_eq!(updated["network"]["max_retries"], 1, "fields not given are kept");
    assert!(app.router.complete(&chat("qwen-7b")).await.is_err(), "the old model is gone at once");

    assert_eq!(app.admin(Method::DELETE, "/api/admin/providers/vllm-main").send().await.unwrap().status(), 204);
    let (status, body) = app.admin_call(Method::GET, "/api/admin/providers/vllm-main", None).await;
    assert_eq!((status, body), (404, error("Provider not found: vllm-main", "NOT_FOUND")));
}

async fn configured_providers_cannot_be_edited_or_deleted_through_the_api(app: TestApp) {
    let read_only = error(
        "Provider 'groq' is defined in ares.toml: change it there (it can still be enabled or disabled here)",
        "CONFLICT",
    );
    let (status, body) = app
        .admin_call(Method::PUT, "/api/admin/providers/groq", Some(json!({"base_url": "http://evil.example/v1"})))
        .await;
    assert_eq!((status, body), (409, read_only.clone()));
    let (status, body) = app.admin_call(Method::DELETE, "/api/admin/providers/groq", None).await;
    assert_eq!((status, body), (409, read_only));
    let (status, body) = app.admin_call(Method::POST, "/api/admin/providers/groq/disable", None).await;
    assert_eq!((status, body["enabled"].clone()), (200, json!(false)));
}

async fn provider_bodies_are_checked(app: TestApp) {
    let upstream = MockUpstream::start(vec![]).await;
    let cases = [
        (json!({"type": "openai"}), 400, "Missing required field: id", "BAD_REQUEST"),
        (json!({"id": "p"}), 400, "Missing required field: type", "BAD_REQUEST"),
        (
            json!({"id": "p", "type": "grpc"}),
            422,
            "Invalid provider type: 'grpc'. Valid types: openai, anthropic, ollama, mock",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "bad id", "type": "openai"}),
            422,
            "Invalid provider id: 'bad id'. Use 1-64 letters, digits, '-', '_' or '.'",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "p", "type": "openai", "base_url": "ftp://x"}),
            422,
            "Invalid base_url: 'ftp://x'. Use an http:// or https:// URL",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "p", "type": "openai", "models": [{"id": "m", "tier": "turbo"}]}),
            422,
            "Invalid model tier: 'turbo'. Valid tiers: fast, balanced, powerful, deepseek, local",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "p", "type": "openai", "models": [{"id": "m", "input_price_per_mtok": -1}]}),
            422,
            "Invalid model: a price must be between 0 and 1000000 US dollars per million tokens",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "p", "type": "openai", "api_key": "a", "api_key_env": "B"}),
            422,
            "Give either api_key or api_key_env, not both",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "p", "type": "openai", "network": {"request_timeout_seconds": 0}}),
            422,
            "Invalid network settings: request_timeout_seconds must be a positive number of seconds",
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "p", "type": "openai", "models": [{"id": "llama-3.3-70b"}]}),
            409,
            "Model 'llama-3.3-70b' is already served by provider 'groq'",
            "CONFLICT",
        ),
        (json!({"id": "groq", "type": "openai"}), 409, "Provider with id 'groq' already exists", "CONFLICT"),
    ];
    for (body, status, message, code) in cases {
        assert_eq!(
            app.admin_call(Method::POST, "/api/admin/providers", Some(body.clone())).await,
            (status, error(message, code)),
            "{body}"
        );
    }
    let (status, body) = app
        .admin_call(Method::POST, "/api/admin/providers", Some(json!({"id": "p", "type": "openai", "colour": "red"})))
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("unknown field `colour`"), "{body}");
    let ok = json!({"id": "p", "kind": "openai", "api_base": format!("{}/v1", upstream.url())});
    assert_eq!(
        app.admin_call(Method::POST, "/api/admin/providers", Some(ok)).await.0,
        201,
        "the config spellings are accepted"
    );
    let (status, body) = app.admin_call(Method::PUT, "/api/admin/providers/p", Some(json!({"id": "q"}))).await;
    assert_eq!((status, body), (422, error("A provider's id cannot be changed", "VALIDATION_ERROR")));
    for path in ["/api/admin/providers/ghost/enable", "/api/admin/providers/ghost/models/refresh"] {
        assert_eq!(
            app.admin_call(Method::POST, path, None).await,
            (404, error("Provider not found: ghost", "NOT_FOUND"))
        );
    }
}

async fn discovered_models_become_routable(app: TestApp) {
    let models = json!({"object": "list", "data": [{"id": "llama-guard-4", "object": "model"}, {"id": "whisper-1", "object": "model"}]});
    let upstream =
        MockUpstream::start(vec![Reply::json(200, &models), Reply::json(200, &completion("Guarded."))]).await;
    let body = json!({"id": "together", "type": "openai", "base_url": format!("{}/v1", upstream.url())});
    assert_eq!(app.admin_call(Method::POST, "/api/admin/providers", Some(body)).await.0, 201);
    let (status, refreshed) = app.admin_call(Method::POST, "/api/admin/providers/together/models/refresh", None).await;
    assert_eq!((status, &refreshed["discovered_models"]), (200, &json!(["llama-guard-4", "whisper-1"])));
    assert!(refreshed["models_refreshed_at"].is_string());
    assert_eq!(upstream.received()[0].path, "/v1/models");
    let routed = app.router.complete(&chat("llama-guard-4")).await.unwrap();
    assert_eq!((routed.value.text.as_str(), routed.provider.as_ref()), ("Guarded.", "together"));

    let (status, body) = app.admin_call(Method::POST, "/api/admin/providers/groq/models/refresh", None).await;
    assert_eq!(
        (status, body),
        (502, error("Provider 'groq' could not list its models: GROQ_API_KEY is not set", "PROVIDER_ERROR"))
    );
}

async fn api_providers_and_operator_choices_survive_a_restart(mut app: TestApp) {
    let upstream = MockUpstream::start(vec![]).await;
    assert_eq!(app.admin_call(Method::POST, "/api/admin/providers", Some(vllm(&upstream))).await.0, 201);
    assert_eq!(app.admin_call(Method::POST, "/api/admin/providers/local/disable", None).await.0, 200);
    app.restart(None).await;
    let (_, body) = app.admin_call(Method::GET, "/api/admin/providers", None).await;
    let providers = body["providers"].as_array().unwrap();
    let local = providers.iter().find(|p| p["id"] == "local").unwrap();
    assert_eq!((&local["enabled"], &local["unavailable_reason"]), (&json!(false), &json!("disabled by an operator")));
    let vllm = providers.iter().find(|p| p["id"] == "vllm-main").unwrap();
    assert_eq!((&vllm["api_key_stored"], &vllm["models"][0]["name"]), (&json!(true), &json!("qwen-7b")));
}
