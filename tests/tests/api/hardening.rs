//! Hardening over HTTP: control characters refused in names and stored safely in free text, the tenant's figures
//! agreeing on both APIs, what counts as a run, request bodies that arrive too slowly, a limited tenant still
//! seeing its usage, the cap on live keys and paged key lists, the health probes, JSON nested too deeply, and API
//! keys that cannot be stored without an encryption key.

use std::time::Duration;

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fixture::{Client, completion};
use crate::helpers::{TestApp, error, status_and_json};

with_each_backend!(
    key_names_with_control_characters_are_refused_on_both_apis,
    a_nul_in_a_path_or_a_model_name_is_a_client_error_and_is_still_recorded,
    providers_with_control_characters_are_refused,
    a_prompt_with_nul_and_bidi_overrides_runs_and_is_listed,
    the_tenant_details_and_the_usage_report_agree,
    a_request_no_provider_could_take_is_counted_but_is_not_a_run,
    a_request_the_provider_refused_called_a_model_and_is_a_run,
    a_body_that_stops_arriving_gets_408_and_the_connection_is_closed,
    a_trickled_body_gets_408,
    a_tenant_at_its_daily_limit_can_still_see_its_usage_and_keys,
    live_keys_are_capped_and_key_lists_are_paged,
    health_names_the_database_and_its_state,
    head_health_answers_200_without_a_body,
    the_liveness_and_readiness_probes_answer,
    json_nested_too_deeply_is_a_400_that_says_so,
    without_an_encryption_key_an_api_key_is_refused_and_api_key_env_still_works,
    requests_the_server_cannot_read_get_the_json_error_shape,
    losing_the_database_is_a_503_to_retry_and_health_says_which_dependency,
);

const HIDDEN: [&str; 3] = ["a\u{0}b", "a\nb", "x\u{202E}y"];

fn reply() -> Reply {
    Reply::json(200, &completion("Hello!", 30, 12))
}

fn chat() -> Value {
    json!({"message": "Hi", "model": "fast"})
}

/// A server on `backend` whose providers answer from a mock upstream, and a pro tenant on it: its id and key.
async fn pro_tenant(backend: Backend, replies: Vec<Reply>) -> (Client, String, String) {
    let client = Client::start(backend, replies, "").await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    (client, tenant, key)
}

async fn key_names_with_control_characters_are_refused_on_both_apis(backend: Backend) {
    let (client, tenant, key) = pro_tenant(backend, vec![reply()]).await;
    let refused = error(
        "Invalid API key name: control characters (NUL, line breaks, BEL, bidirectional overrides) are not allowed",
        "VALIDATION_ERROR",
    );
    let admin_path = format!("/api/admin/tenants/{tenant}/api-keys");
    for name in HIDDEN {
        let body = json!({"name": name});
        assert_eq!(client.call(&key, Method::POST, "/v1/api-keys", Some(body.clone())).await, (422, refused.clone()));
        assert_eq!(client.app.admin_call(Method::POST, &admin_path, Some(body)).await, (422, refused.clone()));
    }
    let (_, listed) = client.app.admin_call(Method::GET, &admin_path, None).await;
    assert_eq!(listed["total"], 1, "only the provisioned key: {listed}");
}

async fn a_nul_in_a_path_or_a_model_name_is_a_client_error_and_is_still_recorded(backend: Backend) {
    let (client, _, key) = pro_tenant(backend, vec![reply()]).await;
    for path in ["/v1/agents/%00", "/v1/agents/%00/runs"] {
        let (status, body) = client.call(&key, Method::GET, path, None).await;
        assert_eq!((status, &body["code"]), (404, &json!("NOT_FOUND")), "{path}: {body}");
    }
    let (status, body) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "model": "gpt\u{0}x"}))).await;
    assert_eq!((status, &body["code"]), (422, &json!("VALIDATION_ERROR")), "{body}");
    let (status, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!(status, 200, "{usage}");
    assert_eq!((&usage["total_api_calls"], &usage["total_runs"]), (&json!(4), &json!(0)));
    assert_eq!(client.app.db.count_rows("usage_events").await.unwrap(), 4);
}

fn provider(base_url: &str, model_id: &str) -> Value {
    json!({"id": "vllm", "type": "openai", "base_url": base_url, "models": [{"id": model_id, "name": "qwen"}]})
}

async fn providers_with_control_characters_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut bodies = vec![provider("http://127.0.0.1:9/v\u{0}1", "qwen-2.5")];
    bodies.extend(HIDDEN.map(|id| provider("http://127.0.0.1:9/v1", id)));
    bodies.push(json!({"id": "vllm", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk\u{0}x"}));
    bodies.push(json!({"id": "vllm", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key_env": "K\u{0}"}));
    for body in bodies {
        let (status, answer) = app.admin_call(Method::POST, "/api/admin/providers", Some(body.clone())).await;
        assert_eq!((status, &answer["code"]), (422, &json!("VALIDATION_ERROR")), "{body}: {answer}");
    }
    assert_eq!(app.admin_call(Method::GET, "/api/admin/providers/vllm", None).await.0, 404);
}

async fn a_prompt_with_nul_and_bidi_overrides_runs_and_is_listed(backend: Backend) {
    let answer = Reply::json(200, &completion("fine\u{0}\u{202E}done", 5, 5));
    let (client, _, key) = pro_tenant(backend, vec![answer]).await;
    let input = json!({"message": "score\u{0}this \u{202E}txt.exe", "context": {"note": "a\u{0}b"}});
    let (status, run) =
        client.call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"input": input}))).await;
    assert_eq!((status, &run["status"]), (200, &json!("completed")), "{run}");
    let sent = client.upstream.received()[0].body["messages"][1]["content"].as_str().unwrap().to_owned();
    assert!(sent.starts_with("score\u{0}this \u{202E}txt.exe"), "{sent:?}");
    let (status, runs) = client.call(&key, Method::GET, "/v1/agents/kasino-risk/runs", None).await;
    assert_eq!((status, &runs["total"]), (200, &json!(1)), "{runs}");
    assert_eq!((&runs["runs"][0]["id"], &runs["runs"][0]["input"]), (&run["id"], &input));
    assert_eq!(runs["runs"][0]["output"], json!({"text": "fine\u{0}\u{202E}done"}));
}

async fn the_tenant_details_and_the_usage_report_agree(backend: Backend) {
    let (client, tenant, key) = pro_tenant(backend, vec![reply()]).await;
    for _ in 0..3 {
        assert_eq!(client.call(&key, Method::POST, "/v1/chat", Some(chat())).await.0, 200);
    }
    let (status, details) = client.app.admin_call(Method::GET, &format!("/api/admin/tenants/{tenant}"), None).await;
    assert_eq!(status, 200);
    let (_, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!((&details["total_runs"], &details["total_tokens"]), (&json!(3), &json!(126)), "{details}");
    assert_eq!((&usage["total_runs"], &usage["total_tokens"]), (&details["total_runs"], &details["total_tokens"]));
    let admin_calls = details["total_api_calls"].as_u64().unwrap();
    assert_eq!(admin_calls, 3);
    assert_eq!(usage["total_api_calls"], admin_calls + 1, "the usage report counts itself");
}

async fn a_request_no_provider_could_take_is_counted_but_is_not_a_run(backend: Backend) {
    let (client, _, key) = pro_tenant(backend, vec![reply()]).await;
    assert_eq!(client.app.admin_call(Method::POST, "/api/admin/providers/groq/disable", None).await.0, 200);
    let (status, body) = client.call(&key, Method::POST, "/v1/chat", Some(chat())).await;
    assert_eq!((status, &body["code"]), (503, &json!("PROVIDER_UNAVAILABLE")), "{body}");
    assert!(client.upstream.received().is_empty());
    let (_, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!(
        (&usage["total_runs"], &usage["total_tokens"], &usage["total_api_calls"]),
        (&json!(0), &json!(0), &json!(2))
    );
}

async fn a_request_the_provider_refused_called_a_model_and_is_a_run(backend: Backend) {
    let refused = Reply::json(400, &json!({"error": {"message": "context too long", "type": "invalid_request_error"}}));
    let (client, _, key) = pro_tenant(backend, vec![refused]).await;
    let (status, body) = client.call(&key, Method::POST, "/v1/chat", Some(chat())).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(client.upstream.received().len(), 1, "the model was called");
    let (_, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!((&usage["total_runs"], &usage["total_api_calls"]), (&json!(1), &json!(2)));
}

/// A server with a one-second body timeout, and a tenant's key on it.
async fn impatient_server(backend: Backend) -> (TestApp, String) {
    let text = std::fs::read_to_string(ares_server::testing::REPOSITORY_CONFIG).unwrap();
    let app = TestApp::spawn_configured(backend, &text, &[("ARES__SERVER__BODY_TIMEOUT", "1")]).await;
    let body = app.provision("acme-corp", "pro", "kasino").await;
    let key = body["raw_api_key"].as_str().unwrap().to_owned();
    (app, key)
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap()
}

/// The head of a `POST /v1/chat` announcing a 100-byte JSON body.
fn chat_head(key: &str) -> String {
    format!(
        "POST /v1/chat HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
}

/// A raw response's status, lowercased head and JSON body.
fn parse_response(raw: &[u8]) -> (u16, String, Value) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), serde_json::from_str(body).unwrap_or(Value::Null))
}

fn assert_timed_out(raw: &[u8]) {
    let (status, head, body) = parse_response(raw);
    assert_eq!((status, &body["code"]), (408, &json!("REQUEST_TIMEOUT")), "{head}\n{body}");
    assert!(body["error"].is_string(), "{body}");
    assert!(head.contains("connection: close"), "{head}");
}

async fn a_body_that_stops_arriving_gets_408_and_the_connection_is_closed(backend: Backend) {
    let (app, key) = impatient_server(backend).await;
    let mut stream = connect(&app).await;
    stream.write_all(format!("{}{{\"mes", chat_head(&key)).as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    // A guard against a server that never answers, not a measure of how fast it does.
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await;
    assert!(matches!(read, Ok(Ok(_))), "the server answered and closed the connection: {read:?}");
    assert_timed_out(&raw);
    assert_eq!(app.db.count_rows("usage_events").await.unwrap(), 0, "nothing reached the model");
}

/// Reads until the server closes the connection (or resets it, the trickle still arriving).
async fn read_until_closed(mut reader: tokio::net::tcp::OwnedReadHalf) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n @ 1..) = reader.read(&mut buffer).await {
        raw.extend_from_slice(&buffer[..n]);
    }
    raw
}

async fn a_trickled_body_gets_408(backend: Backend) {
    let (app, key) = impatient_server(backend).await;
    let (reader, mut writer) = connect(&app).await.into_split();
    writer.write_all(chat_head(&key).as_bytes()).await.unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let raw = tokio::time::timeout(Duration::from_secs(30), read_until_closed(reader)).await;
    trickle.abort();
    assert_timed_out(&raw.unwrap());
}

async fn a_tenant_at_its_daily_limit_can_still_see_its_usage_and_keys(backend: Backend) {
    let tiers = [("ARES__TIERS__FREE__DAILY_REQUESTS", "2")];
    let client = Client::start_with_env(backend, vec![reply()], "", &tiers).await;
    let (_, key) = client.tenant("acme-corp", "free").await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(client.call(&key, Method::POST, "/v1/chat", Some(chat())).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let (status, before) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!((status, &before["total_runs"]), (200, &json!(2)), "{before}");
    let (status, keys) = client.call(&key, Method::GET, "/v1/api-keys", None).await;
    assert_eq!((status, &keys["total"]), (200, &json!(1)), "{keys}");
    let (status, after) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!(status, 200);
    assert_eq!(after["total_api_calls"], before["total_api_calls"].as_u64().unwrap() + 2, "both were counted");
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 429, "other requests are still refused");
}

async fn create_key(client: &Client, key: &str, name: &str) -> (u16, Value) {
    client.call(key, Method::POST, "/v1/api-keys", Some(json!({"name": name}))).await
}

async fn live_keys_are_capped_and_key_lists_are_paged(backend: Backend) {
    let cap = [("ARES__API_KEYS__MAX_LIVE_PER_TENANT", "3")];
    let client = Client::start_with_env(backend, vec![reply()], "", &cap).await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    assert_eq!(create_key(&client, &key, "second").await.0, 201);
    let (_, third) = create_key(&client, &key, "third").await;
    let full =
        error("API key limit reached: a tenant may have at most 3 live keys. Revoke one to make another", "CONFLICT");
    assert_eq!(create_key(&client, &key, "fourth").await, (409, full.clone()));
    let admin_path = format!("/api/admin/tenants/{tenant}/api-keys");
    assert_eq!(client.app.admin_call(Method::POST, &admin_path, Some(json!({"name": "ops"}))).await, (409, full));
    let revoke = format!("/v1/api-keys/{}", third["key"].as_str().unwrap());
    assert_eq!(client.call(&key, Method::DELETE, &revoke, None).await.0, 204);
    assert_eq!(create_key(&client, &key, "fourth").await.0, 201);
    assert_pages(&client, &key, &admin_path).await;
}

async fn assert_pages(client: &Client, key: &str, admin_path: &str) {
    let (status, first) = client.call(key, Method::GET, "/v1/api-keys?page=1&per_page=2", None).await;
    assert_eq!(status, 200);
    assert_eq!((first["keys"].as_array().unwrap().len(), &first["total"]), (2, &json!(3)), "{first}");
    assert_eq!((&first["page"], &first["per_page"]), (&json!(1), &json!(2)));
    let (_, second) = client.call(key, Method::GET, "/v1/api-keys?page=2&per_page=2", None).await;
    assert_eq!((second["keys"].as_array().unwrap().len(), &second["total"]), (1, &json!(3)), "{second}");
    assert_eq!(client.call(key, Method::GET, "/v1/api-keys?per_page=0", None).await.0, 400);
    let paged = format!("{admin_path}?page=1&per_page=2");
    let (status, all) = client.app.admin_call(Method::GET, &paged, None).await;
    assert_eq!((status, all["keys"].as_array().unwrap().len(), &all["total"]), (200, 2, &json!(4)), "{all}");
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    }
}

async fn health_names_the_database_and_its_state(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = status_and_json(app.request(Method::GET, "/health").send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "database": backend_name(backend),
               "dependencies": {"database": {"status": "ok"}}})
    );
}

async fn head_health_answers_200_without_a_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut stream = connect(&app).await;
    stream.write_all(b"HEAD /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await;
    assert!(matches!(read, Ok(Ok(_))), "{read:?}");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, "", "a HEAD answer has no body");
}

async fn the_liveness_and_readiness_probes_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, live) = status_and_json(app.request(Method::GET, "/health/live").send().await.unwrap()).await;
    assert_eq!((status, live), (200, json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})));
    let (status, ready) = status_and_json(app.request(Method::GET, "/health/ready").send().await.unwrap()).await;
    assert_eq!((status, ready), (200, json!({"status": "ready"})));
}

async fn json_nested_too_deeply_is_a_400_that_says_so(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.create_tenant("acme-corp").await;
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let body = format!(r#"{{"name": "deep", "config": {{"model": "fast", "nested": {nested}}}}}"#);
    let response = app
        .admin(Method::POST, &format!("/api/admin/tenants/{tenant}/agents"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_json(response).await,
        (400, error("Invalid JSON in request body: nested too deeply (at most 128 levels)", "BAD_REQUEST"))
    );
    let (_, agents) = app.admin_call(Method::GET, &format!("/api/admin/tenants/{tenant}/agents"), None).await;
    assert_eq!(agents["agents"], json!([]), "{agents}");
}

async fn without_an_encryption_key_an_api_key_is_refused_and_api_key_env_still_works(backend: Backend) {
    let config = std::fs::read_to_string(ares_server::testing::REPOSITORY_CONFIG).unwrap();
    let app = TestApp::spawn_configured(backend, &config, &[("ARES_ENCRYPTION_KEY", "")]).await;
    let vllm = json!({"id": "vllm-main", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-live"});
    let (status, body) = app.admin_call(Method::POST, "/api/admin/providers", Some(vllm.clone())).await;
    let message = "Invalid credential: api_key cannot be stored without an encryption key: set ARES_ENCRYPTION_KEY to \
                   32 random bytes in base64 (openssl rand -base64 32), or give api_key_env, the variable that holds \
                   the key";
    assert_eq!((status, body), (422, error(message, "VALIDATION_ERROR")));
    assert_eq!(app.db.count_rows("providers WHERE name = 'vllm-main'").await.unwrap(), 0, "nothing stored");
    let mut by_variable = vllm;
    by_variable.as_object_mut().unwrap().remove("api_key");
    by_variable["api_key_env"] = json!("VLLM_API_KEY");
    let (status, created) = app.admin_call(Method::POST, "/api/admin/providers", Some(by_variable)).await;
    assert_eq!((status, &created["api_key_env"]), (201, &json!("VLLM_API_KEY")));
}

/// Sends `request` on a connection of its own and reads the whole answer (the server closes the connection after
/// answering a request it cannot read; the timeout only guards against a hang).
async fn exchange(app: &TestApp, request: &[u8]) -> (u16, String, Value) {
    let mut stream = connect(app).await;
    // The server may answer and close before it has read all of an oversized request.
    let _ = stream.write_all(request).await;
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await;
    assert!(read.is_ok(), "no answer");
    parse_response(&raw)
}

async fn requests_the_server_cannot_read_get_the_json_error_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let huge_header = format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(200_000));
    let (status, head, body) = exchange(&app, huge_header.as_bytes()).await;
    assert_eq!((status, body), (431, error("Request headers too large", "REQUEST_HEADER_FIELDS_TOO_LARGE")), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let ambiguous =
        b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    let unreadable = error("Bad request: the request line, headers or framing cannot be read", "BAD_REQUEST");
    let (status, _, body) = exchange(&app, ambiguous).await;
    assert_eq!((status, &body), (400, &unreadable), "both Content-Length and Transfer-Encoding");
    let long_url = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let (status, _, body) = exchange(&app, long_url.as_bytes()).await;
    assert_eq!((status, &body), (400, &unreadable), "a URL over 64 KiB");
    let too_big = format!("{{\"message\": \"{}\"}}", "a".repeat(70_000));
    let request = format!(
        "POST /api/admin/tenants HTTP/1.1\r\nHost: x\r\nX-Admin-Secret: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{too_big}",
        crate::helpers::ADMIN_SECRET,
        too_big.len()
    );
    let (status, _, body) = exchange(&app, request.as_bytes()).await;
    assert_eq!((status, &body["code"]), (413, &json!("PAYLOAD_TOO_LARGE")), "{body}");
    let (status, _, body) = exchange(&app, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert_eq!((status, &body["status"]), (200, &json!("ok")), "a readable request is answered as before");
}

/// Holds an exclusive lock on a SQLite database from another process until dropped: no one else can write.
struct SqliteLock(#[expect(dead_code, reason = "held: the lock lasts as long as its process")] tokio::process::Child);

impl SqliteLock {
    async fn take(url: &str) -> SqliteLock {
        let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
        let script = "import sqlite3, sys, time\n\
                      c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
                      c.execute('BEGIN EXCLUSIVE')\n\
                      print('locked', flush=True)\n\
                      time.sleep(120)\n";
        let mut child = tokio::process::Command::new("python3")
            .args(["-c", script, path])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut said = [0_u8; 6];
        child.stdout.as_mut().unwrap().read_exact(&mut said).await.unwrap();
        assert_eq!(&said, b"locked");
        SqliteLock(child)
    }
}

/// What a request that needs the database answers while it cannot be had.
async fn assert_unavailable(response: reqwest::Response) {
    assert_eq!(response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()), Some("5".into()));
    let message = "Service temporarily unavailable: the database cannot be reached";
    assert_eq!(status_and_json(response).await, (503, error(message, "SERVICE_UNAVAILABLE")));
}

async fn losing_the_database_is_a_503_to_retry_and_health_says_which_dependency(backend: Backend) {
    let text = std::fs::read_to_string(ares_server::testing::REPOSITORY_CONFIG).unwrap();
    let app = TestApp::spawn_configured(backend, &text, &[("ARES__DATABASE__BUSY_TIMEOUT_MS", "100")]).await;
    let body = app.provision("acme-corp", "pro", "kasino").await;
    let key = body["raw_api_key"].as_str().unwrap().to_owned();
    let lock = match backend {
        Backend::Postgres => {
            app.db.set_reachable(false).await.unwrap();
            None
        }
        Backend::Sqlite => Some(SqliteLock::take(app.db.url()).await),
    };
    assert_unavailable(
        app.client_request(&key, Method::POST, "/v1/api-keys").json(&json!({"name": "k"})).send().await.unwrap(),
    )
    .await;
    assert_unavailable(
        app.admin(Method::POST, "/api/admin/tenants")
            .json(&json!({"name": "b-corp", "tier": "dev"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let live = app.request(Method::GET, "/health/live").send().await.unwrap();
    assert_eq!(live.status(), 200, "the process is alive whatever its database does");
    if backend == Backend::Postgres {
        let (status, health) = status_and_json(app.request(Method::GET, "/health").send().await.unwrap()).await;
        assert_eq!((status, &health["dependencies"]["database"]["status"]), (503, &json!("down")), "{health}");
        let ready = app.request(Method::GET, "/health/ready").send().await.unwrap();
        assert_eq!(ready.status(), 503, "not ready for traffic");
        app.db.set_reachable(true).await.unwrap();
    }
    drop(lock);
    let mut status = 0;
    for _ in 0..50 {
        let response = app.client_request(&key, Method::POST, "/v1/api-keys").json(&json!({"name": "k"})).send().await;
        status = response.unwrap().status().as_u16();
        if status == 201 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 201, "back once the database is");
}
