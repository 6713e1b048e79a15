//! `GET /api/admin/agent-templates`.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, error, status_and_json};

on_both_backends!(templates_are_listed_by_product_type_in_configured_order, an_unknown_product_type_is_422);

async fn templates_are_listed_by_product_type_in_configured_order(app: TestApp) {
    let (status, body) =
        status_and_json(app.admin(Method::GET, "/api/admin/agent-templates?product_type=kasino").send().await.unwrap())
            .await;
    assert_eq!(status, 200);
    let templates = body["templates"].as_array().unwrap();
    let names: Vec<_> = templates.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["kasino-classifier", "kasino-risk", "kasino-transaction", "kasino-report"]);
    assert_eq!(templates[0]["agent_type"], "classifier");
    assert_eq!(templates[0]["product_type"], "kasino");
    assert_eq!(templates[0]["config"]["model"], "llama-3.3-70b");
    assert_eq!(templates[0]["config"]["tools"], json!([]));

    let (_, all) = status_and_json(app.admin(Method::GET, "/api/admin/agent-templates").send().await.unwrap()).await;
    let products: Vec<_> =
        all["templates"].as_array().unwrap().iter().map(|t| t["product_type"].as_str().unwrap()).collect();
    assert_eq!(products.iter().filter(|p| **p == "generic").count(), 2);
    assert_eq!(products.iter().filter(|p| **p == "ehb").count(), 3);
    assert_eq!(products.len(), 9);
}

async fn an_unknown_product_type_is_422(app: TestApp) {
    let response = app.admin(Method::GET, "/api/admin/agent-templates?product_type=poker").send().await.unwrap();
    assert_eq!(
        status_and_json(response).await,
        (422, error("Invalid product_type: 'poker'. Valid product types: generic, kasino, ehb", "VALIDATION_ERROR"))
    );
}
