//! The `X-Admin-Secret` guard on every `/api/admin/*` route.

use reqwest::Method;

use crate::helpers::{ADMIN_SECRET, TestApp, error, status_and_json};

on_both_backends!(admin_routes_without_the_secret_are_401, admin_routes_with_a_wrong_secret_are_401);

const ROUTES: [(Method, &str); 5] = [
    (Method::GET, "/api/admin/tenants"),
    (Method::POST, "/api/admin/provision-client"),
    (Method::GET, "/api/admin/agent-templates"),
    (Method::DELETE, "/api/admin/tenants/00000000-0000-0000-0000-000000000000/agents/x"),
    (Method::GET, "/api/admin/no-such-route"),
];

async fn admin_routes_without_the_secret_are_401(app: TestApp) {
    for (method, path) in ROUTES {
        let response = app.request(method.clone(), path).send().await.unwrap();
        let expected = (401, error("Missing X-Admin-Secret header", "UNAUTHORIZED"));
        assert_eq!(status_and_json(response).await, expected, "{method} {path}");
    }
}

async fn admin_routes_with_a_wrong_secret_are_401(app: TestApp) {
    let near_misses = ["", "wrong", &ADMIN_SECRET[..ADMIN_SECRET.len() - 1], &format!("{ADMIN_SECRET}x")];
    for secret in near_misses {
        for (method, path) in ROUTES {
            let response = app.request(method.clone(), path).header("X-Admin-Secret", secret).send().await.unwrap();
            let expected = (401, error("Invalid admin secret", "UNAUTHORIZED"));
            assert_eq!(status_and_json(response).await, expected, "{method} {path} with {secret:?}");
        }
    }
    // Nothing was created by the refused POSTs.
    let (_, body) = status_and_json(app.admin(Method::GET, "/api/admin/tenants").send().await.unwrap()).await;
    assert_eq!(body["tenants"].as_array().unwrap().len(), 0);
}
