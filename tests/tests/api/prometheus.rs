//! The Prometheus exposition: scraped while load runs, parsed by the official Python client's parser, and adding
//! up to exactly what the load did; labels bounded (no tenant unless configured); served behind the admin secret,
//! and on its own listener when configured.

use std::process::{Command, Stdio};

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};

with_each_backend!(
    the_exposition_parses_while_load_runs_and_adds_up_what_the_load_did,
    tenant_labels_are_opt_in,
    the_metrics_listener_serves_the_exposition_without_the_secret,
);

const PARSER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/prometheus_parse.py");
const PATH: &str = "/api/admin/metrics/prometheus";

/// The samples of `text` as the official parser reads them.
fn parsed(text: &str) -> Vec<Value> {
    use std::io::Write;
    let mut parser = Command::new("python3")
        .arg(PARSER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (with prometheus_client installed, as .ci/run does)");
    parser.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = parser.wait_with_output().unwrap();
    assert!(output.status.success(), "the parser refused the exposition: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The sum of the samples named `name` whose labels include `labels`.
fn total(samples: &[Value], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][*k] == *v))
        .map(|s| s["value"].as_f64().unwrap())
        .sum()
}

async fn scrape(client: &Client) -> String {
    let response = client.app.admin(Method::GET, PATH).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.text().await.unwrap()
}

async fn the_exposition_parses_while_load_runs_and_adds_up_what_the_load_did(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("Hi", 30, 12))], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let unauthorized = client.app.request(Method::GET, PATH).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401, "behind the admin secret");
    let invented = json!({"message": "Hi", "model": "=made-up-by-the-client"});
    assert_eq!(client.call(&key, Method::POST, "/v1/chat", Some(invented)).await.0, 422);

    let chat = || {
        let request = client.app.client_request(&key, Method::POST, "/v1/chat");
        async move { request.json(&json!({"message": "Hi", "model": "fast"})).send().await.unwrap().status() }
    };
    let load = async {
        for _ in 0..8 {
            let statuses = futures_util::future::join_all((0..5).map(|_| chat())).await;
            assert!(statuses.iter().all(|s| *s == 200));
        }
    };
    let scrapes = async {
        let mut texts = Vec::new();
        for _ in 0..5 {
            texts.push(scrape(&client).await);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        texts
    };
    let ((), during) = tokio::join!(load, scrapes);
    for text in &during {
        parsed(text);
    }

    let samples = parsed(&scrape(&client).await);
    let chat_labels = [("endpoint", "POST /v1/chat"), ("tier", "pro"), ("provider", "groq"), ("model", "llama-3.1-8b")];
    assert_eq!(total(&samples, "ares_requests_total", &chat_labels), 40.0);
    assert_eq!(total(&samples, "ares_request_failures_total", &chat_labels), 0.0);
    assert_eq!(total(&samples, "ares_tokens_in_total", &chat_labels), 40.0 * 30.0);
    assert_eq!(total(&samples, "ares_tokens_out_total", &chat_labels), 40.0 * 12.0);
    let cost = total(&samples, "ares_cost_usd_total", &chat_labels);
    assert!((cost - 40.0 * 2_460e-9).abs() < 1e-12, "{cost}");
    let answered = [("endpoint", "POST /v1/chat"), ("status", "200")];
    assert_eq!(total(&samples, "ares_http_requests_total", &answered), 40.0);
    let overhead = [("endpoint", "POST /v1/chat"), ("le", "+Inf")];
    assert_eq!(total(&samples, "ares_gateway_overhead_seconds_bucket", &overhead), 41.0, "the 422 took time too");
    let upstream = [("provider", "groq"), ("le", "+Inf")];
    assert_eq!(total(&samples, "ares_upstream_latency_seconds_bucket", &upstream), 40.0);
    assert_eq!(total(&samples, "ares_provider_circuit_state", &[("provider", "groq")]), 0.0);
    assert_eq!(total(&samples, "ares_metering_pending", &[]), 0.0);
    for family in ["ares_db_connections", "ares_metering_dropped_records_total", "ares_alert_webhook_deliveries_total"]
    {
        assert!(samples.iter().any(|s| s["name"] == family), "{family} is exposed");
    }
    assert!(samples.iter().all(|s| s["labels"].get("tenant").is_none()), "no tenant labels unless configured");
    assert!(samples.iter().all(|s| s["labels"]["model"] != "=made-up-by-the-client"), "only configured models label");
    let refused = [("endpoint", "GET /api/admin/metrics/prometheus"), ("status", "401")];
    assert_eq!(total(&samples, "ares_http_requests_total", &refused), 1.0, "refusals by a guard are counted too");
}

async fn tenant_labels_are_opt_in(backend: Backend) {
    let env = [("ARES__METRICS__TENANT_LABELS", "true")];
    let client = Client::start_with_env(backend, vec![Reply::json(200, &completion("Hi", 3, 1))], "", &env).await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    let (status, _) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "model": "fast"}))).await;
    assert_eq!(status, 200);
    let samples = parsed(&scrape(&client).await);
    assert_eq!(total(&samples, "ares_requests_total", &[("tenant", tenant.as_str())]), 1.0);
}

async fn the_metrics_listener_serves_the_exposition_without_the_secret(backend: Backend) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let env = [("ARES__METRICS__LISTEN", listen.as_str())];
    let client = Client::start_with_env(backend, vec![Reply::json(200, &completion("Hi", 3, 1))], "", &env).await;
    let metrics = reqwest::get(format!("http://{listen}/metrics")).await.unwrap();
    assert_eq!(metrics.status(), 200);
    let samples = parsed(&metrics.text().await.unwrap());
    assert!(samples.iter().any(|s| s["name"] == "ares_http_requests_total" || s["family"] == "ares_db_connections"));
    let elsewhere = reqwest::get(format!("http://{listen}/api/admin/tenants")).await.unwrap();
    assert_eq!(elsewhere.status(), 404, "only /metrics listens there");
    drop(client);
}
