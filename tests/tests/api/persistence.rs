//! A restart loses nothing, and the templates follow the configuration file.

use reqwest::Method;

use crate::helpers::{TestApp, default_config, status_and_json};

on_both_backends!(restarting_the_server_loses_nothing, edited_templates_replace_the_stored_ones_at_start_up);

async fn restarting_the_server_loses_nothing(mut app: TestApp) {
    let client = app.provision("acme-corp", "pro", "kasino").await;
    let id = client["tenant_id"].as_str().unwrap().to_owned();
    let before = snapshot(&app, &id).await;
    app.restart(None).await;
    assert_eq!(snapshot(&app, &id).await, before);
    assert_eq!(app.db.count_rows("agent_templates").await.unwrap(), 9, "re-seeding duplicated templates");
}

async fn snapshot(app: &TestApp, id: &str) -> Vec<serde_json::Value> {
    let mut views = Vec::new();
    for path in [
        "/api/admin/tenants".to_owned(),
        format!("/api/admin/tenants/{id}"),
        format!("/api/admin/tenants/{id}/agents"),
        format!("/api/admin/tenants/{id}/api-keys"),
    ] {
        let (status, body) = status_and_json(app.admin(Method::GET, &path).send().await.unwrap()).await;
        assert_eq!(status, 200, "{path}");
        views.push(body);
    }
    views
}

async fn edited_templates_replace_the_stored_ones_at_start_up(mut app: TestApp) {
    let original = std::fs::read_to_string(default_config()).unwrap();
    let edited = original
        .replace("model = \"llama-3.1-8b\"", "model = \"claude-sonnet-4-6\"")
        .replace("name = \"ehb-medication\"", "name = \"ehb-dosage\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ares.toml");
    std::fs::write(&path, edited).unwrap();
    app.restart(Some(path)).await;
    let (_, body) = status_and_json(app.admin(Method::GET, "/api/admin/agent-templates").send().await.unwrap()).await;
    let templates = body["templates"].as_array().unwrap();
    let transaction = templates.iter().find(|t| t["name"] == "kasino-transaction").unwrap();
    assert_eq!(transaction["config"]["model"], "claude-sonnet-4-6");
    let names: Vec<_> = templates.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"ehb-dosage") && !names.contains(&"ehb-medication"), "{names:?}");
    assert_eq!(names.len(), 9);
}
