//! `/api/admin/tenants/{id}/api-keys`.

use ares_domain::KeyHash;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, error, status_and_json};

on_both_backends!(
    an_issued_key_is_shown_once_and_then_listed_by_prefix_only,
    a_key_with_an_expiry_lists_when_it_expires,
    an_out_of_range_expiry_is_422,
    keys_of_one_tenant_are_not_listed_for_another,
);

async fn an_issued_key_is_shown_once_and_then_listed_by_prefix_only(app: TestApp) {
    let id = app.create_tenant("acme-corp").await;
    let path = format!("/api/admin/tenants/{id}/api-keys");
    let (status, issued) =
        status_and_json(app.admin(Method::POST, &path).json(&json!({"name": "staging-key"})).send().await.unwrap())
            .await;
    assert_eq!(status, 201);
    let raw = issued["raw_key"].as_str().unwrap();
    assert!(raw.starts_with("ares_") && raw.len() >= 37, "{raw}");
    assert_eq!(issued["prefix"].as_str(), Some(&raw[..9]));
    assert_eq!(issued["expires_at"], json!(null));

    let (status, listed) = status_and_json(app.admin(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let key = &listed["keys"][0];
    assert_eq!(
        (key["id"].clone(), key["name"].clone(), key["prefix"].clone()),
        (issued["id"].clone(), json!("staging-key"), issued["prefix"].clone())
    );
    assert_eq!((key["last_used"].clone(), key["revoked"].clone()), (json!(null), json!(false)));
    assert!(key.get("raw_key").is_none() && key.get("key_hash").is_none(), "{key}");
    assert_eq!(app.db.text_column("api_keys", "key_hash").await.unwrap(), [KeyHash::of(raw).as_ref().to_owned()]);
}

async fn a_key_with_an_expiry_lists_when_it_expires(app: TestApp) {
    let id = app.create_tenant("acme-corp").await;
    let path = format!("/api/admin/tenants/{id}/api-keys");
    let body = json!({"name": "temp", "expires_in_days": 30});
    let (_, issued) = status_and_json(app.admin(Method::POST, &path).json(&body).send().await.unwrap()).await;
    let created = chrono::DateTime::parse_from_rfc3339(issued["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(issued["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_days(), 30);
}

async fn an_out_of_range_expiry_is_422(app: TestApp) {
    let id = app.create_tenant("acme-corp").await;
    let body = json!({"name": "temp", "expires_in_days": 0});
    let response =
        app.admin(Method::POST, &format!("/api/admin/tenants/{id}/api-keys")).json(&body).send().await.unwrap();
    assert_eq!(
        status_and_json(response).await,
        (422, error("Invalid expires_in_days: 0. Use 1-3650", "VALIDATION_ERROR"))
    );
    assert_eq!(app.db.count_rows("api_keys").await.unwrap(), 0);
}

async fn keys_of_one_tenant_are_not_listed_for_another(app: TestApp) {
    let a = app.provision("a-corp", "pro", "kasino").await;
    let b = app.create_tenant("b-corp").await;
    let (_, listed) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{b}/api-keys")).send().await.unwrap())
            .await;
    assert_eq!(listed, json!({"keys": [], "total": 0, "page": 1, "per_page": 20}));
    let a_id = a["tenant_id"].as_str().unwrap();
    let (_, listed) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{a_id}/api-keys")).send().await.unwrap())
            .await;
    assert_eq!(listed["keys"].as_array().unwrap().len(), 1);
}
