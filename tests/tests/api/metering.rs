//! Metering and quotas over HTTP: the headers, the usage report, exact admission under concurrency on one and two
//! instances, token reservations, tier changes, new days, usage events, and the per-IP limit.

use std::time::Duration;

use ares_llm::testing::Reply;
use ares_store::Backend;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::{TestApp, status_and_json};

with_each_backend!(
    responses_carry_the_quota_headers,
    the_usage_report_adds_up_runs_tokens_and_calls_day_by_day,
    concurrent_requests_with_k_left_admit_exactly_k,
    two_instances_sharing_the_database_admit_exactly_k,
    token_reservations_must_fit_while_requests_are_in_flight,
    the_monthly_quota_and_a_tier_change_apply_on_the_next_request,
    every_metered_request_is_recorded_before_it_is_answered,
    one_tenants_usage_is_never_anothers,
    the_per_ip_limit_answers_429,
    a_request_the_client_abandons_is_recorded_and_releases_its_reservation,
);

/// Five requests a day on the free tier, through the documented `ARES__SECTION__KEY` overrides.
const FREE_TIER: [(&str, &str); 1] = [("ARES__TIERS__FREE__DAILY_REQUESTS", "5")];

fn reply() -> Reply {
    Reply::json(200, &completion("Hello!", 30, 12))
}

fn limited(message: &str) -> impl Fn(&Value) -> bool + '_ {
    move |body: &Value| {
        body["error"] == message
            && body["code"] == "RATE_LIMIT_EXCEEDED"
            && body["retry_after"].as_u64().is_some_and(|s| s > 0)
    }
}

async fn responses_carry_the_quota_headers(backend: Backend) {
    let client = Client::start(backend, vec![reply()], "").await;
    let (_, pro) = client.tenant("acme-corp", "pro").await;
    let chat = json!({"message": "Hi", "model": "fast"});
    client.call(&pro, Method::POST, "/v1/chat", Some(chat.clone())).await;
    let response = client.app.client_request(&pro, Method::GET, "/v1/agents").send().await.unwrap();
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!((header("x-ratelimit-limit"), header("x-ratelimit-remaining")), ("10000".into(), "9998".into()));
    let reset = chrono::DateTime::parse_from_rfc3339(&header("x-ratelimit-reset")).unwrap();
    assert_eq!(
        reset.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        format!("{}T00:00:00Z", client.app.clock_date(1))
    );
    assert_eq!(header("x-quota-tokens-remaining"), (10_000_000 - 42).to_string());

    let (_, enterprise) = client.tenant("globex", "enterprise").await;
    let response = client.app.client_request(&enterprise, Method::GET, "/v1/agents").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("x-ratelimit-limit").is_none()
            && response.headers().get("x-quota-tokens-remaining").is_none()
    );
}

async fn the_usage_report_adds_up_runs_tokens_and_calls_day_by_day(backend: Backend) {
    let client = Client::start(backend, vec![reply()], "").await;
    let (_, key) = client.tenant("acme-corp", "pro").await;
    client.call(&key, Method::POST, "/v1/agents/kasino-risk/run", Some(json!({"input": "x"}))).await;
    client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "model": "fast"}))).await;
    client.call(&key, Method::GET, "/v1/agents", None).await;
    let (status, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!(status, 200);
    let month = client.app.clock_date(0)[..7].to_owned();
    assert_eq!(usage["period_start"], format!("{month}-01T00:00:00Z"));
    assert!(
        usage["period_end"].as_str().unwrap().starts_with(&month)
            && usage["period_end"].as_str().unwrap().ends_with("T23:59:59Z")
    );
    assert_eq!(
        (
            &usage["total_runs"],
            &usage["total_tokens"],
            &usage["total_api_calls"],
            &usage["quota_runs"],
            &usage["quota_tokens"]
        ),
        (&json!(2), &json!(84), &json!(4), &json!(100_000), &json!(10_000_000))
    );
    // The run's 30 + 12 tokens on llama-3.3-70b ($0.59 / $0.79 per million) and the chat's on llama-3.1-8b
    // ($0.05 / $0.08): 27,180 + 2,460 billionths of a dollar.
    let cost = usage["cost_usd"].as_f64().unwrap();
    assert!((cost - 29_640e-9).abs() < 1e-12, "{cost}");
    let day = &usage["daily_usage"][0];
    assert_eq!(
        (
            &usage["daily_usage"].as_array().unwrap().len(),
            &day["date"],
            &day["runs"],
            &day["tokens"],
            &day["api_calls"]
        ),
        (&1, &json!(client.app.clock_date(0)), &json!(2), &json!(84), &json!(3))
    );
    assert!((day["cost_usd"].as_f64().unwrap() - cost).abs() < 1e-12);

    client.app.clock.advance(chrono::Duration::days(40));
    let (_, later) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!(
        (&later["total_tokens"], &later["total_api_calls"], &later["daily_usage"]),
        (&json!(0), &json!(1), &json!([]))
    );
}

/// Fires `n` concurrent `GET /v1/agents` at `addresses` in turn; the statuses and bodies.
async fn burst(app: &TestApp, addresses: &[String], key: &str, n: usize) -> Vec<(u16, Value)> {
    let requests = (0..n).map(|i| {
        let request = app.client.get(format!("{}/v1/agents", addresses[i % addresses.len()])).bearer_auth(key);
        async move { status_and_json(request.send().await.unwrap()).await }
    });
    join_all(requests).await
}

async fn concurrent_requests_with_k_left_admit_exactly_k(backend: Backend) {
    let client = Client::start_with_env(backend, vec![reply()], "", &FREE_TIER).await;
    let (_, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(client.call(&key, Method::GET, "/v1/usage", None).await.0, 200);
    let outcomes = burst(&client.app, std::slice::from_ref(&client.app.address), &key, 24).await;
    let admitted = outcomes.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(admitted, 4, "5 a day, one already used");
    let refused: Vec<&Value> = outcomes.iter().filter(|(status, _)| *status == 429).map(|(_, body)| body).collect();
    assert_eq!(refused.len(), 20);
    assert!(refused.iter().all(|body| limited("Daily request limit reached for your tier")(body)), "{refused:?}");

    client.app.clock.advance(chrono::Duration::days(1));
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200, "a new UTC day starts from zero");
}

async fn two_instances_sharing_the_database_admit_exactly_k(backend: Backend) {
    let client = Client::start_with_env(backend, vec![reply()], "", &FREE_TIER).await;
    let (_, key) = client.tenant("acme-corp", "free").await;
    let (second, handle) = client.app.second_instance().await;
    let outcomes = burst(&client.app, &[client.app.address.clone(), second], &key, 30).await;
    assert_eq!(outcomes.iter().filter(|(status, _)| *status == 200).count(), 5);
    assert_eq!(outcomes.iter().filter(|(status, _)| *status == 429).count(), 25);
    handle.stop(false).await;
}

async fn token_reservations_must_fit_while_requests_are_in_flight(backend: Backend) {
    let slow = Reply::Chunks {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        chunks: vec![b" ".to_vec(), completion("Hi", 2, 18).to_string().into_bytes()],
        delay: Duration::from_millis(400),
    };
    let tiers = [("ARES__TIERS__FREE__MONTHLY_TOKENS", "2000")];
    let client = Client::start_with_env(backend, vec![slow], "", &tiers).await;
    let (_, key) = client.tenant("acme-corp", "free").await;
    // Each chat reserves 2 prompt tokens ("Hello") + 600: three fit in 2000, a fourth does not.
    let chat = json!({"message": "Hello", "model": "fast", "max_tokens": 600});
    let requests = (0..6).map(|_| client.call(&key, Method::POST, "/v1/chat", Some(chat.clone())));
    let outcomes = join_all(requests).await;
    assert_eq!(outcomes.iter().filter(|(status, _)| *status == 200).count(), 3, "{outcomes:?}");
    let refused: Vec<&Value> = outcomes.iter().filter(|(s, _)| *s == 429).map(|(_, b)| b).collect();
    assert_eq!(refused.len(), 3);
    assert!(refused.iter().all(|b| limited("Monthly token quota exceeded")(b)));
    // Settled at 20 tokens each, the reservations are released: there is room again.
    let (status, usage) = client.call(&key, Method::GET, "/v1/usage", None).await;
    assert_eq!((status, &usage["total_tokens"]), (200, &json!(60)));
    assert_eq!(client.call(&key, Method::POST, "/v1/chat", Some(chat)).await.0, 200);
}

async fn the_monthly_quota_and_a_tier_change_apply_on_the_next_request(backend: Backend) {
    let tiers = [("ARES__TIERS__FREE__MONTHLY_REQUESTS", "3")];
    let client = Client::start_with_env(backend, vec![reply()], "", &tiers).await;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    for _ in 0..3 {
        assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200);
    }
    let (status, body) = client.call(&key, Method::GET, "/v1/agents", None).await;
    assert_eq!(status, 429);
    assert!(limited("Monthly request quota exceeded")(&body), "{body}");
    let upgrade =
        client.app.admin(Method::PUT, &format!("/api/admin/tenants/{tenant}/quota")).json(&json!({"tier": "pro"}));
    assert_eq!(upgrade.send().await.unwrap().status(), 200);
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200, "the new tier applies at once");
}

async fn every_metered_request_is_recorded_before_it_is_answered(backend: Backend) {
    let client = Client::start(backend, vec![reply()], "").await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    let (status, _) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "agent_type": "risk"}))).await;
    assert_eq!(status, 200);
    // Read right after the answer: the event was committed before it.
    let db = &client.app.db;
    assert_eq!(db.count_rows("usage_events").await.unwrap(), 1);
    let column = |name: &'static str| async move { db.text_column("usage_events", name).await.unwrap() };
    assert_eq!(column("tenant_id").await, [tenant]);
    assert_eq!(column("endpoint").await, ["POST /v1/chat"]);
    assert_eq!(
        (column("agent").await, column("model").await, column("provider").await),
        (vec!["kasino-risk".to_owned()], vec!["llama-3.3-70b".to_owned()], vec!["groq".to_owned()])
    );
    assert_eq!(
        column("CAST(tokens_in AS TEXT) || '/' || CAST(tokens_out AS TEXT) || '/' || CAST(status AS TEXT)").await,
        ["30/12/200"]
    );
    assert_eq!(column("api_key_id").await.len(), 1);
    client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "model": "gpt-9"}))).await;
    client.call("ares_not_a_key_at_all", Method::GET, "/v1/agents", None).await;
    assert_eq!(db.count_rows("usage_events").await.unwrap(), 2, "failed requests count, unauthenticated ones do not");
}

async fn one_tenants_usage_is_never_anothers(backend: Backend) {
    let client = Client::start(backend, vec![reply()], "").await;
    let (_, acme) = client.tenant("acme-corp", "pro").await;
    let (_, globex) = client.tenant("globex", "pro").await;
    for _ in 0..3 {
        client.call(&acme, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "model": "fast"}))).await;
    }
    let (_, usage) = client.call(&globex, Method::GET, "/v1/usage", None).await;
    assert_eq!(
        (&usage["total_runs"], &usage["total_tokens"], &usage["total_api_calls"]),
        (&json!(0), &json!(0), &json!(1))
    );
    let (_, usage) = client.call(&acme, Method::GET, "/v1/usage", None).await;
    assert_eq!((&usage["total_runs"], &usage["total_tokens"]), (&json!(3), &json!(126)));
}

async fn the_per_ip_limit_answers_429(backend: Backend) {
    let text = std::fs::read_to_string(crate::helpers::default_config()).unwrap()
        + "\n[rate_limit]\nper_second = 1\nburst = 2\n";
    let app = TestApp::spawn_configured(backend, &text, &[]).await;
    let statuses = join_all((0..3).map(|_| app.request(Method::GET, "/health").send())).await;
    let mut codes: Vec<u16> = statuses.iter().map(|r| r.as_ref().unwrap().status().as_u16()).collect();
    codes.sort_unstable();
    assert_eq!(codes, [200, 200, 429]);
    let (status, body) = status_and_json(app.request(Method::GET, "/api/admin/tenants").send().await.unwrap()).await;
    assert_eq!(
        (status, body),
        (429, json!({"error": "Rate limit exceeded", "code": "RATE_LIMIT_EXCEEDED", "retry_after": 1}))
    );
}

/// actix lets the handler of a client that left finish (HTTP/1), so the request is recorded as served; were the
/// handler dropped, it would be recorded as abandoned (499). Either way its reservation is released.
async fn a_request_the_client_abandons_is_recorded_and_releases_its_reservation(backend: Backend) {
    let slow = Reply::Chunks {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        chunks: vec![b" ".to_vec(), completion("late", 2, 3).to_string().into_bytes()],
        delay: Duration::from_secs(2),
    };
    let tiers = [("ARES__TIERS__FREE__MONTHLY_TOKENS", "2000")];
    let client = Client::start_with_env(backend, vec![slow], "", &tiers).await;
    let (_, key) = client.tenant("acme-corp", "free").await;
    let chat = json!({"message": "Hello", "model": "fast", "max_tokens": 1500});
    let abandoned =
        client.app.client_request(&key, Method::POST, "/v1/chat").json(&chat).timeout(Duration::from_millis(300));
    assert!(abandoned.send().await.is_err(), "the client gave up");
    for _ in 0..50 {
        if client.app.db.text_column("usage_events", "CAST(status AS TEXT)").await.unwrap().len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recorded = client.app.db.text_column("usage_events", "CAST(status AS TEXT)").await.unwrap();
    assert!(recorded == ["200"] || recorded == ["499"], "{recorded:?}");
    let (status, _) = client.call(&key, Method::POST, "/v1/chat", Some(chat)).await;
    assert_eq!(status, 200, "the abandoned request's reservation was released");
}
