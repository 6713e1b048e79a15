//! `/v1/agents`, runs and authentication, as a client sees them; one tenant never sees another's.

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::error;

with_each_backend!(
    requests_without_a_valid_key_are_refused_with_the_documented_messages,
    an_expired_key_is_refused,
    agents_are_listed_paginated_and_scoped_to_the_key,
    a_run_returns_the_documented_run_and_runs_are_listed_newest_first,
    a_provider_failure_is_a_failed_run_not_a_failed_request,
    another_tenants_agent_is_not_found_exactly_like_a_missing_one,
    a_disabled_agent_cannot_run_and_bad_bodies_are_refused,
);

fn risk_reply() -> Reply {
    let content =
        r#"{"risk_score": 0.73, "risk_level": "medium", "reasoning": "Elevated amount for merchant category"}"#;
    Reply::json(200, &completion(content, 600, 247))
}

async fn requests_without_a_valid_key_are_refused_with_the_documented_messages(backend: Backend) {
    let client = Client::start(backend, vec![risk_reply()], "").await;
    let app = &client.app;
    let (status, body) =
        crate::helpers::status_and_json(app.request(Method::GET, "/v1/agents").send().await.unwrap()).await;
    assert_eq!((status, body), (401, error("Missing authorization header", "UNAUTHORIZED")));
    for header in ["Bearer ares_x7k9m2p4q8r1s5t3x7k9m2p4q8r1s5t3abcdefgh", "Bearer sk-other", "Basic YWxhZGRpbjpvcGVu"]
    {
        let response = app.request(Method::GET, "/v1/agents").header("Authorization", header).send().await.unwrap();
        let (status, body) = crate::helpers::status_and_json(response).await;
        assert_eq!((status, body), (401, error("Invalid API key", "UNAUTHORIZED")), "{header}");
    }
    let (status, _) = client.call("ares_unknown", Method::POST, "/v1/chat", Some(json!({"bad": true}))).await;
    assert_eq!(status, 401, "credentials are checked before the body");
}

async fn an_expired_key_is_refused(backend: Backend) {
    let client = Client::start(backend, vec![risk_reply()], "").await;
    let (tenant, _) = client.tenant("acme-corp", "pro").await;
    let response = client
        .app
        .admin(Method::POST, &format!("/api/admin/tenants/{tenant}/api-keys"))
        .json(&json!({"name": "short-lived", "expires_in_days": 1}))
        .send()
        .await
        .unwrap();
    let key = response.json::<Value>().await.unwrap()["raw_key"].as_str().unwrap().to_owned();
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200);
    client.app.clock.advance(chrono::Duration::days(2));
    assert_eq!(
        client.call(&key, Method::GET, "/v1/agents", None).await,
        (401, error("API key has expired", "UNAUTHORIZED"))
    );
}

async fn agents_are_listed_paginated_and_scoped_to_the_key(backend: Backend) {
    let client = Client::start(backend, vec![risk_reply()], "").await;
    let (_, acme) = client.tenant("acme-corp", "pro").await;
    let (globex_id, globex) = client.tenant("globex", "pro").await;
    let (status, body) = client.call(&acme, Method::GET, "/v1/agents", None).await;
    assert_eq!(status, 200);
    assert_eq!((&body["total"], &body["page"], &body["per_page"]), (&json!(4), &json!(1), &json!(20)));
    let names: Vec<&str> = body["agents"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["kasino-classifier", "kasino-report", "kasino-risk", "kasino-transaction"]);
    let risk = &body["agents"][2];
    assert_eq!(
        (&risk["agent_type"], &risk["status"], &risk["config"]["model"]),
        (&json!("risk"), &json!("active"), &json!("llama-3.3-70b"))
    );
    assert_eq!((&risk["last_run"], &risk["total_runs"], &risk["success_rate"]), (&Value::Null, &json!(0), &json!(0.0)));
    assert!(risk["id"].is_string() && risk["created_at"].is_string());

    let (_, page) = client.call(&acme, Method::GET, "/v1/agents?page=2&per_page=3", None).await;
    assert_eq!((&page["total"], page["agents"].as_array().unwrap().len()), (&json!(4), 1));
    assert_eq!(page["agents"][0]["name"], "kasino-transaction");
    let (status, body) = client.call(&acme, Method::GET, "/v1/agents?per_page=0", None).await;
    assert_eq!((status, body), (400, error("Invalid query: per_page must be between 1 and 100", "BAD_REQUEST")));
    assert_eq!(client.call(&acme, Method::GET, "/v1/agents?page=abc", None).await.0, 400);

    client.add_agent(&globex_id, json!({"name": "globex-secret", "config": {"model": "fast"}})).await;
    let (_, theirs) = client.call(&globex, Method::GET, "/v1/agents", None).await;
    assert_eq!(theirs["total"], 5);
    let (_, ours) = client.call(&acme, Method::GET, "/v1/agents?per_page=100", None).await;
    let ours: Vec<&str> = ours["agents"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(theirs["agents"].as_array().unwrap().iter().all(|a| !ours.contains(&a["id"].as_str().unwrap())));
}

async fn a_run_returns_the_documented_run_and_runs_are_listed_newest_first(backend: Backend) {
    let plain = Reply::json(200, &completion("Low risk: a routine purchase.", 100, 20));
    let client = Client::start(backend, vec![risk_reply(), plain], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let input = json!({"message": "Analyze the risk profile for transaction TX-9921",
                       "context": {"amount": 15000, "currency": "USD", "merchant_category": "electronics"}});
    let (status, run) =
        client.call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"input": input}))).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["status"], "completed");
    assert_eq!(run["input"], input);
    assert_eq!(
        run["output"],
        json!({"risk_score": 0.73, "risk_level": "medium", "reasoning": "Elevated amount for merchant category"})
    );
    assert_eq!((&run["error"], &run["tokens_used"]), (&Value::Null, &json!(847)));
    for field in ["id", "agent_id", "started_at", "finished_at"] {
        assert!(run[field].is_string(), "{field}");
    }
    assert!(run["duration_ms"].is_u64());
    let sent = &client.upstream.received()[0].body;
    assert_eq!(sent["model"], "llama-3.3-70b-versatile");
    assert!(sent["messages"][0]["content"].as_str().unwrap().starts_with("You are a risk analyst"));
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.starts_with("Analyze the risk profile for transaction TX-9921\n\nContext:") && user.contains("15000"),
        "{user}"
    );

    let (_, second) = client
        .call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"input": {"message": "Next"}})))
        .await;
    assert_eq!(second["output"], json!({"text": "Low risk: a routine purchase."}));
    let (status, runs) = client.call(&key, Method::GET, "/v1/agents/kasino-risk/runs", None).await;
    assert_eq!((status, &runs["total"], &runs["page"], &runs["per_page"]), (200, &json!(2), &json!(1), &json!(20)));
    assert_eq!((&runs["runs"][0]["id"], &runs["runs"][1]["id"]), (&second["id"], &run["id"]), "newest first");
    assert_eq!(runs["runs"][1]["output"], run["output"]);
    let (_, agent) = client.call(&key, Method::GET, "/v1/agents/kasino-risk", None).await;
    assert_eq!((&agent["total_runs"], &agent["success_rate"]), (&json!(2), &json!(1.0)));
    assert!(agent["last_run"].is_string());
    assert!(agent["config"]["system_prompt"].as_str().unwrap().starts_with("You are a risk analyst"));
}

async fn a_provider_failure_is_a_failed_run_not_a_failed_request(backend: Backend) {
    let refused = Reply::error(400, r#"{"error":{"message":"context_length_exceeded"}}"#, &[]);
    let client = Client::start(backend, vec![refused], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let (status, run) =
        client.call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"input": {"message": "x"}}))).await;
    assert_eq!(
        (status, &run["status"], &run["output"], &run["tokens_used"]),
        (200, &json!("failed"), &Value::Null, &json!(0))
    );
    assert_eq!(run["error"], "Provider 'groq' rejected the request: context_length_exceeded");
    let (_, agent) = client.call(&key, Method::GET, "/v1/agents/kasino-risk", None).await;
    assert_eq!((&agent["total_runs"], &agent["success_rate"]), (&json!(1), &json!(0.0)));
}

async fn another_tenants_agent_is_not_found_exactly_like_a_missing_one(backend: Backend) {
    let client = Client::start(backend, vec![risk_reply()], "").await;
    let (_, acme) = client.tenant("acme-corp", "pro").await;
    let (globex_id, globex) = client.tenant("globex", "pro").await;
    client.add_agent(&globex_id, json!({"name": "globex-secret", "config": {"model": "fast"}})).await;
    let run = Some(json!({"input": {"message": "hi"}}));
    for name in ["globex-secret", "no-such-agent"] {
        let missing = error(&format!("Agent not found: {name}"), "NOT_FOUND");
        assert_eq!(client.call(&acme, Method::GET, &format!("/v1/agents/{name}"), None).await, (404, missing.clone()));
        assert_eq!(
            client.call(&acme, Method::POST, &format!("/v1/agents/{name}/run"), run.clone()).await,
            (404, missing.clone())
        );
        assert_eq!(client.call(&acme, Method::GET, &format!("/v1/agents/{name}/runs"), None).await, (404, missing));
    }
    assert_eq!(client.call(&globex, Method::POST, "/v1/agents/kasino-risk/run", run.clone()).await.0, 200);
    let (_, ours) = client.call(&acme, Method::GET, "/v1/agents/kasino-risk/runs", None).await;
    assert_eq!(ours["total"], 0, "another tenant's runs of an agent of the same name are not ours");
    let (_, theirs) = client.call(&globex, Method::GET, "/v1/agents/kasino-risk/runs", None).await;
    assert_eq!(theirs["total"], 1);
}

async fn a_disabled_agent_cannot_run_and_bad_bodies_are_refused(backend: Backend) {
    let client = Client::start(backend, vec![risk_reply()], "").await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    let (status, body) =
        client.call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"inputs": {}}))).await;
    assert_eq!((status, body), (400, error("Missing required field: input", "BAD_REQUEST")));
    let response = client
        .app
        .client_request(&key, Method::POST, "/v1/agents/kasino-risk/run")
        .header("Content-Type", "application/json")
        .body("{\"input\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::status_and_json(response).await,
        (400, error("Invalid JSON in request body", "BAD_REQUEST"))
    );
    let disable = json!({"status": "disabled"});
    let response = client
        .app
        .admin(Method::PUT, &format!("/api/admin/tenants/{tenant}/agents/kasino-risk"))
        .json(&disable)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) =
        client.call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"input": "x"}))).await;
    assert_eq!(
        (status, body),
        (409, error("Agent is disabled: kasino-risk", "CONFLICT")),
        "seen at once after the change"
    );
}
