//! `/api/admin/tenants`: create, list, details, tier changes.

use ares_domain::TenantId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error, status_and_json};

on_both_backends!(
    creating_a_tenant_answers_201_with_the_documented_shape,
    a_duplicate_tenant_name_is_409,
    an_unknown_tier_is_422_naming_the_valid_tiers,
    an_invalid_tenant_name_is_422,
    the_tenant_list_carries_agent_counts,
    tenant_details_count_agents_live_keys_and_this_months_usage,
    an_unknown_or_malformed_tenant_id_is_404,
    a_tier_change_answers_the_updated_tenant,
    a_tier_change_to_an_unknown_tier_changes_nothing,
);

fn is_rfc3339_utc(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

async fn creating_a_tenant_answers_201_with_the_documented_shape(app: TestApp) {
    let response = app
        .admin(Method::POST, "/api/admin/tenants")
        .json(&json!({"name": "acme-corp", "tier": "pro"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201);
    assert!(body["id"].as_str().unwrap().parse::<TenantId>().is_ok(), "{body}");
    assert_eq!((body["name"].clone(), body["tier"].clone()), (json!("acme-corp"), json!("pro")));
    assert!(is_rfc3339_utc(&body["created_at"]), "{body}");
}

async fn a_duplicate_tenant_name_is_409(app: TestApp) {
    app.create_tenant("acme-corp").await;
    let response = app
        .admin(Method::POST, "/api/admin/tenants")
        .json(&json!({"name": "acme-corp", "tier": "pro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_json(response).await,
        (409, error("Tenant with name 'acme-corp' already exists", "CONFLICT"))
    );
}

async fn an_unknown_tier_is_422_naming_the_valid_tiers(app: TestApp) {
    let response = app
        .admin(Method::POST, "/api/admin/tenants")
        .json(&json!({"name": "acme-corp", "tier": "gold"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_json(response).await,
        (422, error("Invalid tier: 'gold'. Valid tiers: free, dev, pro, enterprise", "VALIDATION_ERROR"))
    );
}

async fn an_invalid_tenant_name_is_422(app: TestApp) {
    for name in ["Acme", "acme corp", "-acme", ""] {
        let response = app
            .admin(Method::POST, "/api/admin/tenants")
            .json(&json!({"name": name, "tier": "pro"}))
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 422, "{name:?}");
        assert!(body["error"].as_str().unwrap().starts_with(&format!("Invalid tenant name: '{name}'")), "{body}");
    }
}

async fn the_tenant_list_carries_agent_counts(app: TestApp) {
    app.provision("acme-corp", "pro", "kasino").await;
    app.create_tenant("bare-corp").await;
    let (status, body) = status_and_json(app.admin(Method::GET, "/api/admin/tenants").send().await.unwrap()).await;
    assert_eq!(status, 200);
    let rows: Vec<_> =
        body["tenants"].as_array().unwrap().iter().map(|t| (t["name"].clone(), t["agent_count"].clone())).collect();
    assert_eq!(rows, [(json!("acme-corp"), json!(4)), (json!("bare-corp"), json!(0))]);
}

async fn tenant_details_count_agents_live_keys_and_this_months_usage(app: TestApp) {
    let client = app.provision("acme-corp", "pro", "kasino").await;
    let id = client["tenant_id"].as_str().unwrap();
    let issued =
        app.admin(Method::POST, &format!("/api/admin/tenants/{id}/api-keys")).json(&json!({"name": "staging"}));
    assert_eq!(issued.send().await.unwrap().status(), 201);
    let key = client["raw_api_key"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(app.client_request(key, Method::GET, "/v1/usage").send().await.unwrap().status(), 200);
    }
    let (status, body) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{id}")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let figures =
        ["agent_count", "api_key_count", "total_runs", "total_tokens", "total_api_calls"].map(|k| body[k].clone());
    assert_eq!(figures, [json!(4), json!(2), json!(0), json!(0), json!(2)], "two calls that ran no model");
    assert_eq!(
        (body["id"].as_str(), body["name"].as_str(), body["tier"].as_str()),
        (Some(id), Some("acme-corp"), Some("pro"))
    );
    assert!(is_rfc3339_utc(&body["created_at"]), "{body}");
}

async fn an_unknown_or_malformed_tenant_id_is_404(app: TestApp) {
    for id in [TenantId::new().to_string(), "not-a-uuid".to_owned()] {
        for (method, path) in [
            (Method::GET, format!("/api/admin/tenants/{id}")),
            (Method::GET, format!("/api/admin/tenants/{id}/agents")),
            (Method::GET, format!("/api/admin/tenants/{id}/api-keys")),
        ] {
            let response = app.admin(method, &path).send().await.unwrap();
            assert_eq!(status_and_json(response).await, (404, error("Tenant not found", "NOT_FOUND")), "{path}");
        }
        let response = app
            .admin(Method::PUT, &format!("/api/admin/tenants/{id}/quota"))
            .json(&json!({"tier": "pro"}))
            .send()
            .await
            .unwrap();
        assert_eq!(status_and_json(response).await, (404, error("Tenant not found", "NOT_FOUND")));
    }
}

async fn a_tier_change_answers_the_updated_tenant(app: TestApp) {
    let id = app.create_tenant("acme-corp").await;
    let response = app
        .admin(Method::PUT, &format!("/api/admin/tenants/{id}/quota"))
        .json(&json!({"tier": "enterprise"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!((status, body["tier"].clone(), body["id"].as_str()), (200, json!("enterprise"), Some(id.as_str())));
    let (_, details) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{id}")).send().await.unwrap()).await;
    assert_eq!(details["tier"], "enterprise");
}

async fn a_tier_change_to_an_unknown_tier_changes_nothing(app: TestApp) {
    let id = app.create_tenant("acme-corp").await;
    let response = app
        .admin(Method::PUT, &format!("/api/admin/tenants/{id}/quota"))
        .json(&json!({"tier": "gold"}))
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_json(response).await.0, 422);
    let (_, details) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{id}")).send().await.unwrap()).await;
    assert_eq!(details["tier"], "dev");
}
