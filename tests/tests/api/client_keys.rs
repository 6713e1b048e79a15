//! `/v1/api-keys`: a client manages its own keys, and only its own.

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::error;

with_each_backend!(
    a_created_key_is_shown_once_and_works,
    a_revoked_key_stops_working_at_once,
    one_tenant_can_neither_see_nor_revoke_anothers_keys,
    key_bodies_are_checked,
    last_used_is_recorded_in_batches,
);

async fn start(backend: Backend, extra: &str) -> Client {
    Client::start(backend, vec![Reply::json(200, &completion("ok", 1, 1))], extra).await
}

async fn a_created_key_is_shown_once_and_works(backend: Backend) {
    let client = start(backend, "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let (status, created) = client
        .call(&key, Method::POST, "/v1/api-keys", Some(json!({"name": "mobile-app-key", "expires_in_days": 365})))
        .await;
    assert_eq!(status, 201);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("ares_") && secret.len() == 45, "{secret}");
    assert!(created["key"].is_string());
    assert_eq!(client.call(secret, Method::GET, "/v1/agents", None).await.0, 200);

    let response = client.app.client_request(&key, Method::GET, "/v1/api-keys").send().await.unwrap();
    let text = response.text().await.unwrap();
    assert!(!text.contains(secret), "a listed key shows no secret");
    let listed: Value = serde_json::from_str(&text).unwrap();
    let mobile = listed["keys"].as_array().unwrap().iter().find(|k| k["id"] == created["key"]).unwrap().clone();
    assert_eq!((&mobile["name"], &mobile["prefix"]), (&json!("mobile-app-key"), &json!(&secret[..9])));
    let created_at = chrono::DateTime::parse_from_rfc3339(mobile["created_at"].as_str().unwrap()).unwrap();
    let expires_at = chrono::DateTime::parse_from_rfc3339(mobile["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires_at - created_at).num_days(), 365);
    let (_, forever) = client.call(&key, Method::POST, "/v1/api-keys", Some(json!({"name": "server"}))).await;
    let (_, listed) = client.call(&key, Method::GET, "/v1/api-keys", None).await;
    let server = listed["keys"].as_array().unwrap().iter().find(|k| k["id"] == forever["key"]).unwrap().clone();
    assert_eq!(server["expires_at"], Value::Null, "without expires_in_days a key does not expire");
}

async fn a_revoked_key_stops_working_at_once(backend: Backend) {
    let client = start(backend, "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let (_, created) = client.call(&key, Method::POST, "/v1/api-keys", Some(json!({"name": "temp"}))).await;
    let (id, secret) = (created["key"].as_str().unwrap(), created["secret"].as_str().unwrap());
    assert_eq!(client.call(secret, Method::GET, "/v1/usage", None).await.0, 200, "cached as valid");
    let response = client.app.client_request(&key, Method::DELETE, &format!("/v1/api-keys/{id}")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        client.call(secret, Method::GET, "/v1/usage", None).await,
        (401, error("Invalid API key", "UNAUTHORIZED"))
    );
    let (_, listed) = client.call(&key, Method::GET, "/v1/api-keys", None).await;
    assert!(listed["keys"].as_array().unwrap().iter().all(|k| k["id"] != id), "a revoked key is not listed");
    assert_eq!(
        client.call(&key, Method::DELETE, &format!("/v1/api-keys/{id}"), None).await,
        (404, error("API key not found", "NOT_FOUND"))
    );
    let (status, _) = client.call(secret, Method::DELETE, &format!("/v1/api-keys/{id}"), None).await;
    assert_eq!(status, 401);
}

async fn one_tenant_can_neither_see_nor_revoke_anothers_keys(backend: Backend) {
    let client = start(backend, "").await;
    let (_, acme) = client.tenant("acme-corp", "pro").await;
    let (_, globex) = client.tenant("globex", "pro").await;
    let (_, theirs) = client.call(&globex, Method::GET, "/v1/api-keys", None).await;
    let their_id = theirs["keys"][0]["id"].as_str().unwrap().to_owned();
    let (_, ours) = client.call(&acme, Method::GET, "/v1/api-keys", None).await;
    assert_eq!(ours["keys"].as_array().unwrap().len(), 1);
    assert_ne!(ours["keys"][0]["id"], their_id);
    assert_eq!(
        client.call(&acme, Method::DELETE, &format!("/v1/api-keys/{their_id}"), None).await,
        (404, error("API key not found", "NOT_FOUND"))
    );
    assert_eq!(client.call(&globex, Method::GET, "/v1/agents", None).await.0, 200, "their key still works");
    assert_eq!(client.call(&acme, Method::DELETE, "/v1/api-keys/not-a-uuid", None).await.0, 404);
}

async fn key_bodies_are_checked(backend: Backend) {
    let client = start(backend, "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    assert_eq!(
        client.call(&key, Method::POST, "/v1/api-keys", Some(json!({"expires_in_days": 3}))).await,
        (400, error("Missing required field: name", "BAD_REQUEST"))
    );
    assert_eq!(
        client.call(&key, Method::POST, "/v1/api-keys", Some(json!({"name": "k", "expires_in_days": 0}))).await,
        (422, error("Invalid expires_in_days: 0. Use 1-3650", "VALIDATION_ERROR"))
    );
}

async fn last_used_is_recorded_in_batches(backend: Backend) {
    let reply = Reply::json(200, &completion("ok", 1, 1));
    let flush_every_second = [("ARES__METERING__LAST_USED_FLUSH_SECONDS", "1")];
    let client = Client::start_with_env(backend, vec![reply], "", &flush_every_second).await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    for _ in 0..3 {
        assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200);
    }
    let path = format!("/api/admin/tenants/{tenant}/api-keys");
    for _ in 0..50 {
        let listed: Value = client.app.admin(Method::GET, &path).send().await.unwrap().json().await.unwrap();
        if listed["keys"][0]["last_used"].is_string() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("last_used was never recorded");
}
