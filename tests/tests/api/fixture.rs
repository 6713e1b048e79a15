//! A client's view: a server whose providers all answer from a mock OpenAI-compatible upstream, and tenants
//! provisioned on it with their first API key.

use ares_llm::testing::{MockUpstream, Reply};
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PROVIDER_KEYS, TestApp, config_with_upstream, status_and_json};

/// A chat completion with exact usage.
pub fn completion(text: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "llama-3.3-70b-versatile",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens}
    })
}

/// A server and the upstream its providers call.
pub struct Client {
    pub app: TestApp,
    pub upstream: MockUpstream,
}

impl Client {
    /// A server on `backend` whose upstream answers with `replies` (the last one repeating), configured with the
    /// repository's `ares.toml` plus `extra`.
    pub async fn start(backend: Backend, replies: Vec<Reply>, extra: &str) -> Client {
        Self::start_with_env(backend, replies, extra, &[]).await
    }

    /// `start`, with more environment variables (`ARES__TIERS__FREE__DAILY_REQUESTS`, say).
    pub async fn start_with_env(backend: Backend, replies: Vec<Reply>, extra: &str, env: &[(&str, &str)]) -> Client {
        let upstream = MockUpstream::start(replies).await;
        let env: Vec<(&str, &str)> = PROVIDER_KEYS.iter().chain(env).copied().collect();
        let app = TestApp::spawn_configured(backend, &config_with_upstream(upstream.url(), extra), &env).await;
        Client { app, upstream }
    }

    /// Provisions a kasino tenant on `tier`; returns its id and raw key.
    pub async fn tenant(&self, name: &str, tier: &str) -> (String, String) {
        let body = self.app.provision(name, tier, "kasino").await;
        (body["tenant_id"].as_str().unwrap().to_owned(), body["raw_api_key"].as_str().unwrap().to_owned())
    }

    /// A client request with `key`, its status and JSON body.
    pub async fn call(&self, key: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let request = self.app.client_request(key, method, path);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        status_and_json(request.send().await.unwrap()).await
    }

    /// Adds an agent to the tenant through the Admin API.
    pub async fn add_agent(&self, tenant: &str, body: Value) {
        let response = self
            .app
            .admin(Method::POST, &format!("/api/admin/tenants/{tenant}/agents"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
}
