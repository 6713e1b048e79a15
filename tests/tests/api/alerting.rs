//! Alerts the platform raises on its own, beyond a tenant's quotas: one alert when two instances cross a quota
//! together, a tier's cost limit at 80% and 90%, a provider whose circuit opens, and each new alert posted once to
//! the webhooks that want its severity, retried until it is taken, as the metrics count.

use std::time::Duration;

use ares_llm::testing::{MockUpstream, Reply};
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::{TestApp, status_and_json};

with_each_backend!(
    a_tier_cost_limit_raises_alerts_at_80_and_90_percent,
    a_provider_whose_circuit_opens_raises_one_critical_alert,
    new_alerts_are_posted_to_the_webhooks_once_with_retries,
);

/// A chat on the `fast` model (llama-3.1-8b on groq), reserving little.
fn chat_body() -> Value {
    json!({"message": "Hi", "model": "fast", "max_tokens": 10})
}

/// A chat with `key`; its status.
async fn chat(client: &Client, key: &str) -> u16 {
    client.call(key, Method::POST, "/v1/chat", Some(chat_body())).await.0
}

/// An admin GET that must answer 200; its body.
async fn admin_get(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.admin_call(Method::GET, path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// The alerts `selected` picks, newest first.
async fn alerts_where(app: &TestApp, selected: &impl Fn(&Value) -> bool) -> Vec<Value> {
    let body = admin_get(app, "/api/admin/alerts?limit=1000").await;
    body["alerts"].as_array().unwrap().iter().filter(|alert| selected(alert)).cloned().collect()
}

/// The alerts `selected` picks once `raised` holds of them (they are raised in the background: it waits up to 5 s),
/// read again a moment later so that an alert raised twice would show.
async fn alerts_once(
    app: &TestApp,
    selected: impl Fn(&Value) -> bool,
    raised: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..50 {
        if raised(alerts_where(app, &selected).await.as_slice()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    alerts_where(app, &selected).await
}

/// Selects the alerts about `tenant`.
fn about(tenant: &str) -> impl Fn(&Value) -> bool + '_ {
    move |alert: &Value| alert["tenant_id"] == tenant
}

fn messages(alerts: &[Value]) -> Vec<&str> {
    alerts.iter().map(|alert| alert["message"].as_str().unwrap()).collect()
}

fn of_severity<'a>(alerts: &'a [Value], severity: &str) -> Vec<&'a str> {
    alerts
        .iter()
        .filter(|alert| alert["severity"] == severity)
        .map(|alert| alert["message"].as_str().unwrap())
        .collect()
}

/// A dollar amount as a report gives it, to the nanodollar.
fn assert_dollars(value: &Value, expected: f64, what: &str) {
    let dollars = value.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {value}"));
    assert!((dollars - expected).abs() < 1e-12, "{what}: {dollars}, not {expected}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_crossing_together_raise_one_alert() {
    let used = Reply::json(200, &completion("ok", 40_000, 6_000));
    // After the first chat, the upstream answers no chat before the next one is in flight too.
    let together = Reply::Together { peers: 2, reply: Box::new(used.clone()) };
    let client = Client::start(Backend::Postgres, vec![used, together], "").await;
    let app = &client.app;
    let (second, handle) = app.second_instance().await;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(chat(&client, &key).await, 200, "46,000 of the free tier's 100,000 tokens");

    // One chat on each instance, both admitted at 46,000: each instance sees its chat land at 92,000.
    let on_second = async {
        let request = app.client.post(format!("{second}/v1/chat")).bearer_auth(&key).json(&chat_body());
        status_and_json(request.send().await.unwrap()).await
    };
    let (first, (status, body)) = tokio::join!(chat(&client, &key), on_second);
    assert_eq!((first, status), (200, 200), "{body}");

    let alerts =
        alerts_once(app, about(&tenant), |alerts| alerts.iter().any(|alert| alert["severity"] == "critical")).await;
    assert_eq!(
        of_severity(&alerts, "critical"),
        ["Tenant acme-corp approaching token quota (92%)"],
        "both instances raised it; the store kept one"
    );
    assert!(of_severity(&alerts, "warning").len() <= 1, "{alerts:?}");
    assert!(alerts.iter().all(|alert| alert["kind"] == "quota"), "{alerts:?}");
    handle.stop(true).await;
}

async fn a_tier_cost_limit_raises_alerts_at_80_and_90_percent(backend: Backend) {
    // The `fast` model costs $0.05 per million prompt tokens and $0.08 per million completion tokens: 50 and 80
    // nanodollars a token, against a limit of 1,000,000 nanodollars.
    let first = Reply::json(200, &completion("ok", 16_840, 100)); // 842,000 + 8,000 = 850,000: 85%
    let second = Reply::json(200, &completion("ok", 1_600, 100)); // 80,000 + 8,000: 938,000 in all, 93%
    let env = [("ARES__TIERS__PRO__MONTHLY_COST_USD", "0.001")];
    let client = Client::start_with_env(backend, vec![first, second], "", &env).await;
    let app = &client.app;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;

    assert_eq!(chat(&client, &key).await, 200);
    let warned = alerts_once(app, about(&tenant), |alerts| !alerts.is_empty()).await;
    assert_eq!(messages(&warned), ["Tenant acme-corp approaching cost limit (85%)"]);
    assert_eq!(
        (&warned[0]["severity"], &warned[0]["kind"], &warned[0]["resolved"]),
        (&json!("warning"), &json!("cost"), &json!(false))
    );

    assert_eq!(chat(&client, &key).await, 200);
    let alerts = alerts_once(app, about(&tenant), |alerts| alerts.len() >= 2).await;
    assert_eq!(of_severity(&alerts, "critical"), ["Tenant acme-corp approaching cost limit (93%)"]);
    assert_eq!(of_severity(&alerts, "warning"), ["Tenant acme-corp approaching cost limit (85%)"]);
    assert_eq!(alerts.len(), 2, "nothing about tokens or requests, far from their quotas: {alerts:?}");
    assert!(alerts.iter().all(|alert| alert["kind"] == "cost"), "{alerts:?}");
    assert!(alerts.iter().any(|alert| alert["id"] == warned[0]["id"]), "the warning is the same alert");

    let usage = admin_get(app, &format!("/api/admin/tenants/{tenant}/usage")).await;
    assert_eq!(usage["total_tokens"], 18_640, "{usage}");
    assert_dollars(&usage["quota_cost_usd"], 0.001, "quota_cost_usd");
    assert_dollars(&usage["cost_usd"], 0.000_938, "cost_usd");
}

async fn a_provider_whose_circuit_opens_raises_one_critical_alert(backend: Backend) {
    let down = Reply::error(503, r#"{"error":{"message":"overloaded"}}"#, &[]);
    let env = [("ARES__ROUTING__CIRCUIT_FAILURE_THRESHOLD", "2"), ("ARES__ROUTING__RETRY_BASE_DELAY_MS", "10")];
    let client = Client::start_with_env(backend, vec![down], "", &env).await;
    let (_, key) = client.tenant("acme-corp", "pro").await;

    // `fast` is served by groq alone: its failures answer 502 until its circuit opens, then it is skipped (503).
    let mut statuses = Vec::new();
    while statuses.last() != Some(&503) && statuses.len() < 10 {
        statuses.push(chat(&client, &key).await);
    }
    assert_eq!(statuses.last(), Some(&503), "the circuit opened: {statuses:?}");
    assert!(statuses[..statuses.len() - 1].iter().all(|status| *status == 502), "{statuses:?}");
    for _ in 0..3 {
        assert_eq!(chat(&client, &key).await, 503, "the circuit stays open");
    }

    let alerts = alerts_once(&client.app, |_: &Value| true, |alerts| !alerts.is_empty()).await;
    assert_eq!(alerts.len(), 1, "one alert, however many requests the open circuit turned away: {alerts:?}");
    let alert = &alerts[0];
    assert_eq!(
        (&alert["severity"], &alert["kind"], &alert["tenant_id"], &alert["resolved"]),
        (&json!("critical"), &json!("circuit"), &Value::Null, &json!(false))
    );
    assert_eq!(alert["message"], "Provider groq circuit opened: requests fail over to other providers");
}

async fn new_alerts_are_posted_to_the_webhooks_once_with_retries(backend: Backend) {
    let down = || Reply::error(500, "down", &[]);
    let receiver = MockUpstream::start(vec![down(), down(), Reply::json(200, &json!({}))]).await;
    let extra = format!("\n[[alerts.webhooks]]\nurl = \"{}/hooks\"\nseverities = [\"critical\"]\n", receiver.url());
    let env = [("ARES__TIERS__FREE__DAILY_REQUESTS", "1"), ("ARES__ALERTS__RETRY_BASE_DELAY", "0.05")];
    // One chat reports 800,000 tokens: 80% of the dev tier's 1,000,000.
    let reply = Reply::json(200, &completion("ok", 799_999, 1));
    let client = Client::start_with_env(backend, vec![reply], &extra, &env).await;
    let app = &client.app;

    // A warning, which this webhook does not want.
    let (globex, globex_key) = client.tenant("globex", "dev").await;
    assert_eq!(chat(&client, &globex_key).await, 200);
    let warned = alerts_once(app, about(&globex), |alerts| !alerts.is_empty()).await;
    assert_eq!(of_severity(&warned, "warning"), ["Tenant globex approaching token quota (80%)"]);

    // A critical alert, which it does.
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200);
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 429, "the day's one request is spent");
    let alerts = alerts_once(app, about(&tenant), |alerts| !alerts.is_empty()).await;
    assert_eq!(messages(&alerts), ["Tenant acme-corp reached its daily request limit"]);
    let alert = &alerts[0];
    assert_eq!((&alert["severity"], &alert["kind"]), (&json!("critical"), &json!("quota")));

    for _ in 0..50 {
        if receiver.received().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posted = receiver.received();
    assert_eq!(posted.len(), 3, "refused twice, taken the third time, and never sent again: {posted:?}");
    let payload = json!({
        "id": alert["id"].clone(), "severity": "critical", "kind": "quota", "message": alert["message"].clone(),
        "tenant_id": tenant, "created_at": alert["created_at"].clone(), "resolved": false
    });
    for sent in &posted {
        assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/hooks"));
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert_eq!(sent.body, payload, "the critical alert each time, never the warning");
    }

    let response = app.admin(Method::GET, "/api/admin/metrics/prometheus").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let exposition = response.text().await.unwrap();
    for expected in [
        r#"ares_alert_webhook_deliveries_total{outcome="delivered"} 1"#,
        r#"ares_alert_webhook_deliveries_total{outcome="failed_attempt"} 2"#,
        r#"ares_alert_webhook_deliveries_total{outcome="dropped"} 0"#,
    ] {
        let found = exposition.lines().any(|line| line == expected || line.starts_with(&format!("{expected} ")));
        assert!(found, "no `{expected}` in the exposition: {exposition}");
    }
}
