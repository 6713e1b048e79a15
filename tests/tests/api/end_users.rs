//! End users' accounts over HTTP: registration, sign-in, refresh rotation with reuse detection, sign-out,
//! throttled failures, and the operators' user administration, on both databases.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::Client;
use crate::helpers::{TestApp, status_and_json};

with_each_backend!(
    registration_validates_and_refuses_a_taken_email,
    sign_in_hands_out_tokens_and_hides_whether_an_email_exists,
    refresh_tokens_rotate_and_a_replayed_one_revokes_the_sign_in,
    sign_out_revokes_the_refresh_token,
    failed_sign_ins_are_throttled_per_account,
    operators_change_a_users_tier_and_disable_them,
    a_users_requests_are_metered_against_their_own_tier
);

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    status_and_json(app.request(Method::POST, path).json(&body).send().await.unwrap()).await
}

async fn register(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "your-secure-password", "name": "Jane Developer"});
    let (status, body) = post(app, "/api/auth/register", body).await;
    assert_eq!(status, 201, "{body}");
    body["user_id"].as_str().unwrap().to_owned()
}

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    post(app, "/api/auth/login", json!({"email": email, "password": password})).await
}

async fn registration_validates_and_refuses_a_taken_email(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"email": "developer@example.com", "password": "your-secure-password", "name": "Jane Developer"});
    let (status, created) = post(&app, "/api/auth/register", body.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["message"], "Registration successful");
    assert!(created["user_id"].as_str().unwrap().starts_with("usr_"), "{created}");
    let mut again = body;
    again["email"] = json!("Developer@Example.com");
    let (status, taken) = post(&app, "/api/auth/register", again).await;
    assert_eq!((status, &taken["error"]), (409, &json!("Email already registered")));
    for (field, value, message) in [
        ("email", json!("not-an-email"), "Invalid email address: 'not-an-email'"),
        ("password", json!("1234567"), "Password must be at least 8 characters"),
        ("password", json!("x".repeat(129)), "Password must be at most 128 bytes"),
    ] {
        let mut bad = json!({"email": "other@example.com", "password": "your-secure-password", "name": "Jane"});
        bad[field] = value;
        let (status, refused) = post(&app, "/api/auth/register", bad).await;
        assert_eq!((status, refused["error"].as_str().unwrap()), (400, message));
    }
    let (status, missing) = post(&app, "/api/auth/register", json!({"email": "x@example.com"})).await;
    assert_eq!((status, &missing["error"]), (400, &json!("Missing required field: password")));
}

async fn sign_in_hands_out_tokens_and_hides_whether_an_email_exists(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "developer@example.com").await;
    let (status, tokens) = login(&app, "developer@example.com", "your-secure-password").await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["expires_in"], 900);
    assert_eq!(tokens["access_token"].as_str().unwrap().split('.').count(), 3, "a JWT: {tokens}");
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("rt_"), "{tokens}");
    let (wrong_status, wrong) = login(&app, "developer@example.com", "not-the-password").await;
    let (unknown_status, unknown) = login(&app, "nobody@example.com", "your-secure-password").await;
    assert_eq!((wrong_status, unknown_status), (401, 401));
    assert_eq!(wrong, unknown, "an unknown email and a wrong password answer alike");
    assert_eq!(wrong["code"], "AUTH_INVALID_CREDENTIALS");
    // An access token is not an API key.
    let access = tokens["access_token"].as_str().unwrap();
    let response = app.client_request(access, Method::GET, "/v1/agents").send().await.unwrap();
    assert_eq!(response.status(), 401);
}

async fn refresh_tokens_rotate_and_a_replayed_one_revokes_the_sign_in(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "developer@example.com").await;
    let (_, tokens) = login(&app, "developer@example.com", "your-secure-password").await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, refreshed) = post(&app, "/api/auth/refresh", json!({"refresh_token": first})).await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["expires_in"], 900);
    let second = refreshed["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second, "the refresh token rotates");
    // The spent token presented again: someone replayed it, so the whole sign-in is revoked.
    let (status, reused) = post(&app, "/api/auth/refresh", json!({"refresh_token": first})).await;
    assert_eq!((status, &reused["code"]), (401, &json!("AUTH_TOKEN_REUSED")), "{reused}");
    let (status, revoked) = post(&app, "/api/auth/refresh", json!({"refresh_token": second})).await;
    assert_eq!(status, 401, "{revoked}");
    assert_eq!(revoked, json!({"error": "Invalid or expired token", "code": "AUTH_INVALID_TOKEN"}));
    // Another sign-in is a family of its own.
    let (_, again) = login(&app, "developer@example.com", "your-secure-password").await;
    let (status, _) = post(&app, "/api/auth/refresh", json!({"refresh_token": again["refresh_token"]})).await;
    assert_eq!(status, 200);
    let (status, _) = post(&app, "/api/auth/refresh", json!({"refresh_token": "rt_unknown"})).await;
    assert_eq!(status, 401);
}

async fn sign_out_revokes_the_refresh_token(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "developer@example.com").await;
    let (_, tokens) = login(&app, "developer@example.com", "your-secure-password").await;
    let refresh = tokens["refresh_token"].clone();
    let (status, body) = post(&app, "/api/auth/logout", json!({"refresh_token": refresh})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&app, "/api/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!((status, &body["code"]), (401, &json!("AUTH_INVALID_TOKEN")));
    let (status, _) = post(&app, "/api/auth/logout", json!({"refresh_token": refresh})).await;
    assert_eq!(status, 401);
}

async fn failed_sign_ins_are_throttled_per_account(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "developer@example.com").await;
    for _ in 0..5 {
        let (status, _) = login(&app, "developer@example.com", "wrong-password").await;
        assert_eq!(status, 401);
    }
    // Even the right password waits now.
    let (status, throttled) = login(&app, "developer@example.com", "your-secure-password").await;
    assert_eq!(status, 429, "{throttled}");
    let retry_after = throttled["retry_after"].as_u64().unwrap();
    assert!((1..=900).contains(&retry_after), "{throttled}");
    app.clock.advance(chrono::Duration::seconds(901));
    let (status, _) = login(&app, "developer@example.com", "your-secure-password").await;
    assert_eq!(status, 200);
}

async fn operators_change_a_users_tier_and_disable_them(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let id = register(&app, "developer@example.com").await;
    register(&app, "second@example.com").await;
    let (status, page) = app.admin_call(Method::GET, "/api/admin/users", None).await;
    assert_eq!((status, &page["total"]), (200, &json!(2)), "{page}");
    assert_eq!(page["users"][0]["email"], "second@example.com", "newest first");
    let path = format!("/api/admin/users/{id}");
    let (status, user) = app.admin_call(Method::GET, &path, None).await;
    assert_eq!((status, &user["tier"], &user["disabled"]), (200, &json!("free"), &json!(false)), "{user}");
    assert!(user.get("password_hash").is_none(), "{user}");
    let (status, user) = app.admin_call(Method::PUT, &path, Some(json!({"tier": "pro"}))).await;
    assert_eq!((status, &user["tier"]), (200, &json!("pro")), "{user}");
    let (status, refused) = app.admin_call(Method::PUT, &path, Some(json!({"tier": "gold"}))).await;
    assert_eq!(status, 422, "{refused}");
    let (status, _) = app.admin_call(Method::PUT, &path, Some(json!({"disabled": true}))).await;
    assert_eq!(status, 200);
    let (status, body) = login(&app, "developer@example.com", "your-secure-password").await;
    assert_eq!((status, &body["code"]), (403, &json!("AUTH_ACCOUNT_DISABLED")), "{body}");
    let (status, _) = app.admin_call(Method::GET, "/api/admin/users/usr_00000000000000000000000000000000", None).await;
    assert_eq!(status, 404);
    let (status, _) = app.admin_call(Method::GET, "/api/admin/users/not-an-id", None).await;
    assert_eq!(status, 404);
    let (_, log) = app.admin_call(Method::GET, "/api/admin/audit-log?action=user.updated", None).await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 2, "{log}");
}

async fn a_users_requests_are_metered_against_their_own_tier(backend: ares_store::Backend) {
    let client = Client::start_with_env(backend, vec![], "", &[("ARES__TIERS__FREE__DAILY_REQUESTS", "2")]).await;
    let app = &client.app;
    let id = register(app, "developer@example.com").await;
    let (_, tokens) = login(app, "developer@example.com", "your-secure-password").await;
    let token = tokens["access_token"].as_str().unwrap();
    let list = || app.request(Method::GET, "/api/conversations").bearer_auth(token).send();
    for remaining in ["1", "0"] {
        let response = list().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-ratelimit-limit"], "2", "the free tier's daily limit");
        assert_eq!(response.headers()["x-ratelimit-remaining"], remaining);
    }
    let (status, refused) = status_and_json(list().await.unwrap()).await;
    assert_eq!((status, &refused["error"]), (429, &json!("Daily request limit reached for your tier")), "{refused}");
    // Another user is not held back by the first one's usage.
    register(app, "second@example.com").await;
    let (_, second) = login(app, "second@example.com", "your-secure-password").await;
    let response = app.request(Method::GET, "/api/user/agents").bearer_auth(second["access_token"].as_str().unwrap());
    assert_eq!(response.send().await.unwrap().status(), 200);
    // An operator moves the first user to pro: the next request is admitted under it.
    let path = format!("/api/admin/users/{id}");
    let (status, _) = app.admin_call(Method::PUT, &path, Some(json!({"tier": "pro"}))).await;
    assert_eq!(status, 200);
    let response = list().await.unwrap();
    assert_eq!(
        (response.status().as_u16(), &response.headers()["x-ratelimit-limit"]),
        (200, &"10000".parse().unwrap())
    );
}
