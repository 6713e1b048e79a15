//! `POST /api/admin/provision-client`: all or nothing.

use ares_domain::KeyHash;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, error, status_and_json};

on_both_backends!(
    provisioning_creates_the_tenant_its_template_agents_and_one_key,
    provisioning_rolls_back_when_the_key_insert_fails_after_the_agents_are_cloned,
    provisioning_a_taken_name_is_409_and_changes_nothing,
    provisioning_checks_every_field,
);

async fn provisioning_creates_the_tenant_its_template_agents_and_one_key(app: TestApp) {
    let client = app.provision("acme-corp", "pro", "kasino").await;
    assert_eq!(client["tenant_name"], "acme-corp");
    assert_eq!((client["tier"].as_str(), client["product_type"].as_str()), (Some("pro"), Some("kasino")));
    assert_eq!(
        client["agents_created"],
        json!(["kasino-classifier", "kasino-risk", "kasino-transaction", "kasino-report"])
    );
    let raw = client["raw_api_key"].as_str().unwrap();
    let random = raw.strip_prefix("ares_").unwrap();
    assert!(random.len() >= 32 && random.chars().all(|c| c.is_ascii_alphanumeric()), "{raw}");
    assert_eq!(client["api_key_prefix"].as_str(), Some(&raw[..9]));

    let id = client["tenant_id"].as_str().unwrap();
    let (_, agents) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{id}/agents")).send().await.unwrap()).await;
    let names: Vec<_> = agents["agents"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["kasino-classifier", "kasino-report", "kasino-risk", "kasino-transaction"]);
    let (_, keys) =
        status_and_json(app.admin(Method::GET, &format!("/api/admin/tenants/{id}/api-keys")).send().await.unwrap())
            .await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    assert_eq!(keys["keys"][0]["id"], client["api_key_id"]);
    // Stored hashed: the raw key is nowhere in the table, its SHA-256 is.
    assert_eq!(app.db.text_column("api_keys", "key_hash").await.unwrap(), [KeyHash::of(raw).as_ref().to_owned()]);
    assert!(!keys.to_string().contains(raw));
}

/// Makes every API key insert fail: the key is the last write of provisioning, after the tenant and its agents.
async fn install_key_insert_fault(app: &TestApp) {
    let sql = if app.db.url().starts_with("postgres") {
        "CREATE FUNCTION injected_fault() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER api_keys_fault BEFORE INSERT ON api_keys FOR EACH ROW EXECUTE FUNCTION injected_fault();"
    } else {
        "CREATE TRIGGER api_keys_fault BEFORE INSERT ON api_keys BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
    };
    app.db.execute(sql).await.unwrap();
}

async fn provisioning_rolls_back_when_the_key_insert_fails_after_the_agents_are_cloned(app: TestApp) {
    install_key_insert_fault(&app).await;
    let body = json!({"name": "acme-corp", "tier": "pro", "product_type": "kasino", "api_key_name": "production"});
    let response = app.admin(Method::POST, "/api/admin/provision-client").json(&body).send().await.unwrap();
    assert_eq!(status_and_json(response).await, (500, error("Internal server error", "INTERNAL_ERROR")));
    for table in ["tenants", "agents", "api_keys"] {
        assert_eq!(app.db.count_rows(table).await.unwrap(), 0, "{table} kept a row of the failed provisioning");
    }
    // Once the fault is gone, the same request succeeds: nothing half-written blocks the name.
    let postgres = app.db.url().starts_with("postgres");
    let drop = if postgres { "DROP TRIGGER api_keys_fault ON api_keys" } else { "DROP TRIGGER api_keys_fault" };
    app.db.execute(drop).await.unwrap();
    app.provision("acme-corp", "pro", "kasino").await;
    assert_eq!(app.db.count_rows("agents").await.unwrap(), 4);
}

async fn provisioning_a_taken_name_is_409_and_changes_nothing(app: TestApp) {
    app.provision("acme-corp", "pro", "kasino").await;
    let body = json!({"name": "acme-corp", "tier": "free", "product_type": "ehb", "api_key_name": "second"});
    let response = app.admin(Method::POST, "/api/admin/provision-client").json(&body).send().await.unwrap();
    assert_eq!(
        status_and_json(response).await,
        (409, error("Tenant with name 'acme-corp' already exists", "CONFLICT"))
    );
    assert_eq!(app.db.count_rows("agents").await.unwrap(), 4);
    assert_eq!(app.db.count_rows("api_keys").await.unwrap(), 1);
}

async fn provisioning_checks_every_field(app: TestApp) {
    let valid = json!({"name": "acme-corp", "tier": "pro", "product_type": "kasino", "api_key_name": "production"});
    let cases = [
        ("product_type", None, (400, error("Missing required field: product_type", "BAD_REQUEST"))),
        ("api_key_name", None, (400, error("Missing required field: api_key_name", "BAD_REQUEST"))),
        (
            "product_type",
            Some("casino"),
            (
                422,
                error("Invalid product_type: 'casino'. Valid product types: generic, kasino, ehb", "VALIDATION_ERROR"),
            ),
        ),
        (
            "tier",
            Some("gold"),
            (422, error("Invalid tier: 'gold'. Valid tiers: free, dev, pro, enterprise", "VALIDATION_ERROR")),
        ),
        (
            "api_key_name",
            Some("  "),
            (422, error("Invalid API key name: '  '. Use 1-100 characters", "VALIDATION_ERROR")),
        ),
    ];
    for (field, value, expected) in cases {
        let mut body = valid.clone();
        match value {
            Some(value) => body[field] = json!(value),
            None => drop(body.as_object_mut().unwrap().remove(field)),
        }
        let response = app.admin(Method::POST, "/api/admin/provision-client").json(&body).send().await.unwrap();
        assert_eq!(status_and_json(response).await, expected, "{field} = {value:?}");
    }
    assert_eq!(app.db.count_rows("tenants").await.unwrap(), 0);
}
