//! Malformed requests, unknown routes and oversized bodies get the documented JSON errors.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, error, status_and_json};

on_both_backends!(
    malformed_json_is_400,
    a_missing_field_is_named_in_a_400,
    a_wrongly_typed_field_is_400,
    unknown_routes_are_json_404,
    a_known_route_with_an_unknown_method_is_json_405,
    a_body_over_the_limit_is_413,
);

async fn malformed_json_is_400(app: TestApp) {
    for body in ["{\"name\": \"acme\",}", "not json", ""] {
        let response = app
            .admin(Method::POST, "/api/admin/tenants")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            status_and_json(response).await,
            (400, error("Invalid JSON in request body", "BAD_REQUEST")),
            "{body:?}"
        );
    }
}

async fn a_missing_field_is_named_in_a_400(app: TestApp) {
    let response = app.admin(Method::POST, "/api/admin/tenants").json(&json!({"tier": "pro"})).send().await.unwrap();
    assert_eq!(status_and_json(response).await, (400, error("Missing required field: name", "BAD_REQUEST")));
}

async fn a_wrongly_typed_field_is_400(app: TestApp) {
    let response =
        app.admin(Method::POST, "/api/admin/tenants").json(&json!({"name": 5, "tier": "pro"})).send().await.unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().starts_with("Invalid request body: invalid type: integer `5`"), "{body}");
}

async fn unknown_routes_are_json_404(app: TestApp) {
    let response = app.request(Method::GET, "/v0/nothing").send().await.unwrap();
    assert_eq!(status_and_json(response).await, (404, error("No route for GET /v0/nothing", "NOT_FOUND")));
    let response = app.admin(Method::GET, "/api/admin/nothing").send().await.unwrap();
    assert_eq!(status_and_json(response).await, (404, error("No route for GET /api/admin/nothing", "NOT_FOUND")));
}

async fn a_known_route_with_an_unknown_method_is_json_405(app: TestApp) {
    let response = app.admin(Method::PATCH, "/api/admin/tenants").send().await.unwrap();
    assert_eq!(status_and_json(response).await, (405, error("Method not allowed", "METHOD_NOT_ALLOWED")));
}

async fn a_body_over_the_limit_is_413(app: TestApp) {
    // The test server's limit is 64 KiB.
    let name = "a".repeat(70 * 1024);
    let response =
        app.admin(Method::POST, "/api/admin/tenants").json(&json!({"name": name, "tier": "pro"})).send().await.unwrap();
    assert_eq!(status_and_json(response).await, (413, error("Request body too large", "PAYLOAD_TOO_LARGE")));
}
