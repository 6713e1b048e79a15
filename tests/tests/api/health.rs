//! `GET /health`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, status_and_json};

on_both_backends!(health_answers_ok_with_the_version_and_the_database_backend);

async fn health_answers_ok_with_the_version_and_the_database_backend(app: TestApp) {
    let (status, body) = status_and_json(app.request(Method::GET, "/health").send().await.unwrap()).await;
    let backend = if app.db.url().starts_with("postgres") { "postgres" } else { "sqlite" };
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "database": backend,
               "dependencies": {"database": {"status": "ok"}}})
    );
}
