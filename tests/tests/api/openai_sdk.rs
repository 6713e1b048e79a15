//! The OpenAI-compatible API through the official `openai` Python SDK, unchanged SDK code pointed at ARES with an
//! `ares_` key (`tests/fixtures/openai_sdk.py`): a completion, a stream with usage, a client-side tool call round
//! trip (whole and streamed), an `agent/<name>` call that runs the calculator loop on the server, the model list,
//! and the SDK's own exceptions for a bad key, an unknown model and a tenant past its quota, over a provider of
//! each wire format. Then what the ledger holds of it.

use std::process::Command;

use ares_llm::testing::{MockUpstream, Reply};
use ares_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::fixture::{Client, completion};
use crate::tool_model::{Behaviour, Wire, model};

with_each_backend!(the_openai_python_sdk_works_unchanged_against_ares);

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/openai_sdk.py");

/// A server with a tool-calling mock model per wire format (`tool-openai`, ...), and a pro tenant with an agent
/// `calc-<model>` per model, and a disabled agent `off`.
/// Also a free tenant that has used its one request of the day; returns its key after the pro tenant's.
async fn server(backend: Backend) -> (Client, Vec<MockUpstream>, String, String) {
    let (mut config, mut upstreams) = (String::new(), Vec::new());
    for wire in Wire::ALL {
        let upstream = MockUpstream::respond(model(wire, Behaviour::Sdk)).await;
        let key = if wire == Wire::Ollama { "" } else { "api_key_env = \"GROQ_API_KEY\"\n" };
        config.push_str(&format!(
            "\n[[providers]]\nname = \"mock-{n}\"\ntype = \"{n}\"\nbase_url = \"{url}\"\n{key}\
             [[providers.models]]\nid = \"tool-model\"\nname = \"tool-{n}\"\n",
            n = wire.provider_type(),
            url = wire.base_url(upstream.url()),
        ));
        upstreams.push(upstream);
    }
    let env = [("ARES__TIERS__FREE__DAILY_REQUESTS", "1")];
    let client = Client::start_with_env(backend, vec![Reply::json(200, &completion("unused", 1, 1))], &config, &env);
    let client = client.await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    for wire in Wire::ALL {
        let name = format!("calc-tool-{}", wire.provider_type());
        let config = json!({"model": format!("tool-{}", wire.provider_type()), "tools": ["calculator"]});
        client.add_agent(&tenant, json!({"name": name, "agent_type": "calculator", "config": config})).await;
    }
    let off = json!({"name": "off", "agent_type": "calculator", "config": {"model": "tool-openai"}});
    client.add_agent(&tenant, off).await;
    let disable = client.app.admin(Method::PUT, &format!("/api/admin/tenants/{tenant}/agents/off"));
    assert_eq!(disable.json(&json!({"status": "disabled"})).send().await.unwrap().status(), 200);
    let (_, exhausted) = client.tenant("tiny-corp", "free").await;
    let (status, _) = client.call(&exhausted, Method::GET, "/v1/usage", None).await;
    assert_eq!(status, 200, "the free tenant's one request of the day");
    (client, upstreams, key, exhausted)
}

async fn the_openai_python_sdk_works_unchanged_against_ares(backend: Backend) {
    let (client, upstreams, key, exhausted) = server(backend).await;
    let models: Vec<String> = Wire::ALL.iter().map(|w| format!("tool-{}", w.provider_type())).collect();
    let output = Command::new("python3")
        .arg(SCRIPT)
        .args([client.app.address.as_str(), &key, &exhausted])
        .args(&models)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for model in &models {
        for check in ["completion", "stream", "client tool call", "agent agent/calc-"] {
            assert!(stdout.contains(&format!("ok {check}")) && stdout.contains(model.as_str()), "{check}: {stdout}");
        }
    }
    assert!(stdout.ends_with("all checks passed\n"), "{stdout}");
    let offered_weather =
        upstreams[0].received().iter().any(|r| r.body["tools"][0]["function"]["name"] == "get_weather");
    assert!(offered_weather, "the client's tool reached the model");

    let (status, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!(status, 200);
    // Per model: completion, stream, two tool round trips of two requests each, the agent; then the model list
    // twice, a retrieve, the unknown model and the unknown agent. The disabled agent is refused before admission,
    // like any request that cannot be run.
    let calls = 3 * 7 + 5;
    assert_eq!(usage["total_api_calls"], calls + 1, "every SDK request metered, /v1/usage included");
    let tokens = 3 * (110 + 110 + 4 * 110 + 220);
    assert_eq!(usage["total_tokens"], tokens, "the exact usage of every answer");
    let recorded = |rows: &'static str| async move { client.app.db.count_rows(rows).await.unwrap() };
    let not_found =
        "usage_events WHERE status = 404 AND endpoint IN ('POST /v1/chat/completions', 'GET /v1/models/{id}')";
    assert_eq!(recorded(not_found).await, 2, "recorded with the status the SDK was answered");
}
