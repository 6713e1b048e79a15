//! `/api/admin/tenants/{id}/agents`: always scoped by the tenant in the path.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error, status_and_json};

on_both_backends!(
    a_created_agent_answers_201_and_is_listed,
    a_duplicate_agent_name_is_409_with_the_documented_message,
    an_update_replaces_only_the_fields_given,
    an_agent_can_be_renamed_unless_the_name_is_taken,
    deleting_an_agent_answers_204_and_then_404,
    one_tenants_id_never_reaches_another_tenants_agent,
    agent_bodies_are_checked,
);

fn analyzer() -> Value {
    json!({
        "name": "custom-analyzer",
        "agent_type": "analyzer",
        "config": {
            "model": "llama-3.3-70b",
            "system_prompt": "You are a financial data analyzer...",
            "tools": ["calculator"],
            "max_tokens": 4096
        }
    })
}

async fn create(app: &TestApp, tenant: &str, body: &Value) -> (u16, Value) {
    status_and_json(
        app.admin(Method::POST, &format!("/api/admin/tenants/{tenant}/agents")).json(body).send().await.unwrap(),
    )
    .await
}

async fn list(app: &TestApp, tenant: &str) -> Value {
    let (status, body) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{tenant}/agents")).send().await.unwrap())
            .await;
    assert_eq!(status, 200);
    body
}

async fn a_created_agent_answers_201_and_is_listed(app: TestApp) {
    let tenant = app.create_tenant("acme-corp").await;
    let (status, agent) = create(&app, &tenant, &analyzer()).await;
    assert_eq!(status, 201);
    assert_eq!(agent["config"], analyzer()["config"]);
    assert_eq!((agent["status"].as_str(), agent["agent_type"].as_str()), (Some("active"), Some("analyzer")));
    let listed = list(&app, &tenant).await;
    assert_eq!(
        listed,
        json!({"agents": [{
            "id": agent["id"], "name": "custom-analyzer", "agent_type": "analyzer", "status": "active",
            "model": "llama-3.3-70b", "total_runs": 0, "success_rate": 0.0
        }]})
    );
}

async fn a_duplicate_agent_name_is_409_with_the_documented_message(app: TestApp) {
    let tenant = app.create_tenant("acme-corp").await;
    create(&app, &tenant, &analyzer()).await;
    assert_eq!(
        create(&app, &tenant, &analyzer()).await,
        (409, error("Agent with name 'custom-analyzer' already exists for this tenant", "CONFLICT"))
    );
}

async fn an_update_replaces_only_the_fields_given(app: TestApp) {
    let tenant = app.create_tenant("acme-corp").await;
    create(&app, &tenant, &analyzer()).await;
    let path = format!("/api/admin/tenants/{tenant}/agents/custom-analyzer");
    let patch = json!({"config": {"max_tokens": 1024, "temperature": 0.2}, "status": "disabled"});
    let (status, agent) = status_and_json(app.admin(Method::PUT, &path).json(&patch).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let expected_config = json!({
        "model": "llama-3.3-70b", "system_prompt": "You are a financial data analyzer...",
        "tools": ["calculator"], "max_tokens": 1024, "temperature": 0.2
    });
    assert_eq!((agent["config"].clone(), agent["status"].clone()), (expected_config, json!("disabled")));
    assert_eq!(list(&app, &tenant).await["agents"][0]["status"], "disabled");
}

async fn an_agent_can_be_renamed_unless_the_name_is_taken(app: TestApp) {
    let tenant = app.create_tenant("acme-corp").await;
    create(&app, &tenant, &analyzer()).await;
    let mut other = analyzer();
    other["name"] = json!("other");
    create(&app, &tenant, &other).await;
    let path = format!("/api/admin/tenants/{tenant}/agents/custom-analyzer");
    let response = app.admin(Method::PUT, &path).json(&json!({"name": "other"})).send().await.unwrap();
    assert_eq!(
        status_and_json(response).await,
        (409, error("Agent with name 'other' already exists for this tenant", "CONFLICT"))
    );
    let response = app.admin(Method::PUT, &path).json(&json!({"name": "renamed"})).send().await.unwrap();
    assert_eq!(status_and_json(response).await.1["name"], "renamed");
    let names: Vec<_> =
        list(&app, &tenant).await["agents"].as_array().unwrap().iter().map(|a| a["name"].clone()).collect();
    assert_eq!(names, [json!("other"), json!("renamed")]);
}

async fn deleting_an_agent_answers_204_and_then_404(app: TestApp) {
    let tenant = app.create_tenant("acme-corp").await;
    create(&app, &tenant, &analyzer()).await;
    let path = format!("/api/admin/tenants/{tenant}/agents/custom-analyzer");
    let response = app.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
    let response = app.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(status_and_json(response).await, (404, error("Agent not found: custom-analyzer", "NOT_FOUND")));
    let response = app.admin(Method::PUT, &path).json(&json!({"agent_type": "x"})).send().await.unwrap();
    assert_eq!(status_and_json(response).await, (404, error("Agent not found: custom-analyzer", "NOT_FOUND")));
}

async fn one_tenants_id_never_reaches_another_tenants_agent(app: TestApp) {
    let a = app.create_tenant("a-corp").await;
    let b = app.create_tenant("b-corp").await;
    create(&app, &a, &analyzer()).await;
    assert_eq!(list(&app, &b).await, json!({"agents": []}));
    let path = format!("/api/admin/tenants/{b}/agents/custom-analyzer");
    let response = app.admin(Method::PUT, &path).json(&json!({"config": {"model": "stolen"}})).send().await.unwrap();
    assert_eq!(status_and_json(response).await.0, 404);
    let response = app.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(status_and_json(response).await.0, 404);
    let agents = list(&app, &a).await;
    assert_eq!(agents["agents"][0]["model"], "llama-3.3-70b");
    // B may still have its own agent of the same name.
    assert_eq!(create(&app, &b, &analyzer()).await.0, 201);
}

async fn agent_bodies_are_checked(app: TestApp) {
    let tenant = app.create_tenant("acme-corp").await;
    let cases = [
        (json!({"name": "x", "config": {}}), (400, error("Missing required field: config.model", "BAD_REQUEST"))),
        (json!({"config": {"model": "m"}}), (400, error("Missing required field: name", "BAD_REQUEST"))),
        (json!({"name": "x"}), (400, error("Missing required field: config", "BAD_REQUEST"))),
        (
            json!({"name": "bad name", "config": {"model": "m"}}),
            (
                422,
                error("Invalid agent name: 'bad name'. Use 1-64 letters, digits, '-', '_' or '.'", "VALIDATION_ERROR"),
            ),
        ),
        (
            json!({"name": "x", "config": {"model": "m", "temperature": 7}}),
            (422, error("Invalid agent config: temperature must be between 0 and 2, got 7", "VALIDATION_ERROR")),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(create(&app, &tenant, &body).await, expected, "{body}");
    }
    let (status, body) =
        create(&app, &tenant, &json!({"name": "x", "config": {"model": "m", "tools": "calculator"}})).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().starts_with("Invalid agent config: invalid type"), "{body}");
    assert_eq!(list(&app, &tenant).await, json!({"agents": []}));
}
