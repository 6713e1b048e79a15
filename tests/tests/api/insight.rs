//! What operators see and do over the Admin API: a tenant's usage this month and day by day, an agent's runs and
//! figures, every tenant's agents, the platform's totals, revoking a tenant's key, the audit log (and that no secret
//! ever reaches it), and the alerts the platform raises in the background as tenants near their quotas.

use std::time::Duration;

use ares_domain::KeyHash;
use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_store::Backend;
use chrono::{DateTime, FixedOffset};
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::{
    ADMIN_SECRET, ENCRYPTION_KEY, PROVIDER_KEYS, TestApp, config_with_upstream, error, status_and_json,
};

with_each_backend!(
    a_tenants_usage_this_month_adds_up_its_requests_with_its_quotas,
    the_daily_usage_lists_every_day_newest_first_with_zeros_for_quiet_days,
    the_daily_report_covers_1_to_366_days,
    an_agents_runs_are_listed_newest_first_with_why_they_failed,
    an_agents_stats_add_up_its_runs,
    an_agent_that_never_ran_has_no_runs_and_an_unknown_one_is_not_found,
    every_tenants_agents_are_listed_by_tenant_name_then_agent_name,
    the_platform_stats_count_every_tenant_and_todays_usage_only,
    an_operator_revokes_a_key_of_the_tenant_and_only_of_the_tenant,
    changes_are_audited_newest_first_with_who_made_them_and_can_be_filtered_and_paged,
    provider_changes_are_audited_when_they_happen,
    no_secret_ever_reaches_the_audit_log,
    crossing_80_percent_raises_one_warning_however_many_requests_follow,
    twenty_concurrent_requests_that_land_above_90_percent_raise_one_critical_alert,
    reaching_the_token_quota_raises_one_alert_that_the_refusals_after_it_do_not_repeat,
    a_new_month_is_a_new_period_with_an_alert_of_its_own,
    an_alert_is_listed_by_severity_and_state_resolved_and_the_resolve_is_audited,
);

/// How many requests the concurrent burst sends: the upstream answers none of them before all are in flight.
const BURST: usize = 20;

/// A provider credential given through the Admin API.
const PROVIDER_SECRET: &str = "sk-live-insight-do-not-leak-51c9";
/// The credential it is rotated to.
const ROTATED_SECRET: &str = "sk-live-insight-rotated-8e02";

/// The upstream's answer to the last message it is sent: one with `reject` in it is refused (400); one with a
/// number N reports N tokens used, and one starting with `together` is answered only once the whole burst has
/// arrived; anything else reports 30 prompt and 12 completion tokens.
fn by_message(request: &Recorded) -> Reply {
    let said = request.body["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .and_then(|message| message["content"].as_str())
        .unwrap_or_default();
    if said.contains("reject") {
        return Reply::error(400, r#"{"error":{"message":"context_length_exceeded"}}"#, &[]);
    }
    let number = said.split(|c: char| !c.is_ascii_digit()).find(|digits| !digits.is_empty());
    let reply = match number.and_then(|digits| digits.parse::<u64>().ok()) {
        Some(tokens) if tokens > 1 => Reply::json(200, &completion("ok", tokens - 1, 1)),
        _ => Reply::json(200, &completion("ok", 30, 12)),
    };
    if said.starts_with("together") { Reply::Together { peers: BURST, reply: Box::new(reply) } } else { reply }
}

/// The repository's configuration as it is.
fn as_is(text: String) -> String {
    text
}

/// The repository's configuration with the `fast` and `balanced` models priced at $1 per million prompt tokens and
/// $2 per million completion tokens (30 + 12 tokens cost $0.000054), and a $25 monthly cost limit on `pro`.
fn priced(text: String) -> String {
    let prices = "input_price_per_mtok = 1.0\noutput_price_per_mtok = 2.0";
    let fast = "input_price_per_mtok = 0.05     # US dollars per million tokens: each request's cost is recorded at its \
                price\noutput_price_per_mtok = 0.08";
    let balanced = "input_price_per_mtok = 0.59\noutput_price_per_mtok = 0.79";
    assert!(text.contains(fast) && text.contains(balanced), "the shipped prices of the fast and balanced models");
    text.replace(fast, prices)
        .replace(balanced, prices)
        .replace("[tiers.pro]\n", "[tiers.pro]\nmonthly_cost_usd = 25.0\n")
}

/// A server whose providers all answer `by_message`, configured by the repository's `ares.toml` changed by `edit`,
/// with the extra environment variables `env`.
async fn serve(backend: Backend, edit: fn(String) -> String, env: &[(&str, &str)]) -> Client {
    let upstream = MockUpstream::respond(by_message).await;
    let text = edit(config_with_upstream(upstream.url(), ""));
    let env: Vec<(&str, &str)> = PROVIDER_KEYS.iter().chain(env).copied().collect();
    let app = TestApp::spawn_configured(backend, &text, &env).await;
    Client { app, upstream }
}

/// A chat whose upstream reports the tokens `said` names (see `by_message`), reserving little; its status.
async fn spend(client: &Client, key: &str, said: &str) -> u16 {
    let chat = json!({"message": said, "model": "fast", "max_tokens": 10});
    client.call(key, Method::POST, "/v1/chat", Some(chat)).await.0
}

/// Runs the tenant's agent `kasino-risk` on `said`; the run.
async fn run_risk(client: &Client, key: &str, said: &str) -> Value {
    let body = json!({"input": {"message": said}});
    let (status, run) = client.call(key, Method::POST, "/v1/agents/kasino-risk/run", Some(body)).await;
    assert_eq!(status, 200, "{run}");
    run
}

/// An admin GET that must answer 200; its body.
async fn admin_get(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.admin_call(Method::GET, path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

async fn a_tenants_usage_this_month_adds_up_its_requests_with_its_quotas(backend: Backend) {
    let client = serve(backend, priced, &[]).await;
    let app = &client.app;
    let (acme, key) = client.tenant("acme-corp", "pro").await;
    let (globex, _) = client.tenant("globex", "enterprise").await;
    run_risk(&client, &key, "x").await;
    assert_eq!(spend(&client, &key, "Hi").await, 200);
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200);

    let path = format!("/api/admin/tenants/{acme}/usage");
    let usage = admin_get(app, &path).await;
    assert_eq!(
        (&usage["tenant_id"], &usage["tenant_name"], &usage["tier"]),
        (&json!(acme), &json!("acme-corp"), &json!("pro"))
    );
    let month = app.clock_date(0)[..7].to_owned();
    assert_eq!(usage["period_start"], format!("{month}-01T00:00:00Z"));
    let end = usage["period_end"].as_str().unwrap();
    assert!(end.starts_with(&month) && end.ends_with("T23:59:59Z"), "{end}");
    assert_eq!(
        (&usage["total_runs"], &usage["total_tokens"], &usage["total_requests"], &usage["cost_usd"]),
        (&json!(2), &json!(84), &json!(3), &json!(0.000108)),
        "a run and a chat of 42 tokens each, and a listing"
    );
    assert_eq!(
        (&usage["quota_runs"], &usage["quota_tokens"], &usage["quota_cost_usd"]),
        (&json!(100_000), &json!(10_000_000), &json!(25.0))
    );
    assert_eq!(admin_get(app, &path).await, usage, "reading the report is not a metered request");

    let unlimited = admin_get(app, &format!("/api/admin/tenants/{globex}/usage")).await;
    assert_eq!((&unlimited["tier"], &unlimited["total_requests"]), (&json!("enterprise"), &json!(0)));
    assert_eq!(
        (&unlimited["quota_runs"], &unlimited["quota_tokens"], &unlimited["quota_cost_usd"]),
        (&Value::Null, &Value::Null, &Value::Null),
        "an enterprise tenant is unlimited"
    );

    for id in [uuid::Uuid::new_v4().to_string(), "not-a-tenant-id".to_owned()] {
        assert_eq!(
            app.admin_call(Method::GET, &format!("/api/admin/tenants/{id}/usage"), None).await,
            (404, error("Tenant not found", "NOT_FOUND")),
            "{id}"
        );
    }
}

async fn the_daily_usage_lists_every_day_newest_first_with_zeros_for_quiet_days(backend: Backend) {
    let client = serve(backend, priced, &[]).await;
    let app = &client.app;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    assert_eq!(spend(&client, &key, "Hi").await, 200);
    assert_eq!(client.call(&key, Method::GET, "/v1/agents", None).await.0, 200);
    app.clock.advance(chrono::Duration::days(2));
    run_risk(&client, &key, "x").await;
    assert_eq!(spend(&client, &key, "Hi").await, 200);

    // Each call is 30 prompt tokens at $1 and 12 completion tokens at $2 per million: $0.000054.
    let day = |days_ago: i64, runs: u64, tokens: u64, requests: u64, cost: f64| {
        let date = app.clock_date(-days_ago);
        json!({"date": date, "runs": runs, "tokens": tokens, "requests": requests, "cost_usd": cost})
    };
    let daily = admin_get(app, &format!("/api/admin/tenants/{tenant}/usage/daily?days=4")).await;
    let expected = [day(0, 2, 84, 2, 0.000108), day(1, 0, 0, 0, 0.0), day(2, 1, 42, 2, 0.000054), day(3, 0, 0, 0, 0.0)];
    assert_eq!(daily, json!({"daily": expected}));

    let month = admin_get(app, &format!("/api/admin/tenants/{tenant}/usage/daily")).await;
    let days = month["daily"].as_array().unwrap();
    assert_eq!(days.len(), 30, "30 days unless told");
    assert_eq!((&days[0]["date"], &days[29]["date"]), (&json!(app.clock_date(0)), &json!(app.clock_date(-29))));
}

async fn the_daily_report_covers_1_to_366_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.create_tenant("acme-corp").await;
    let path = format!("/api/admin/tenants/{tenant}/usage/daily");
    let one = admin_get(&app, &format!("{path}?days=1")).await;
    assert_eq!(
        one,
        json!({"daily": [{"date": app.clock_date(0), "runs": 0, "tokens": 0, "requests": 0, "cost_usd": 0.0}]}),
        "today, in the server's clock's UTC"
    );
    let year = admin_get(&app, &format!("{path}?days=366")).await;
    assert_eq!(year["daily"].as_array().unwrap().len(), 366);
    assert_eq!(year["daily"][365]["date"], app.clock_date(-365));
    for days in [0, 367] {
        assert_eq!(
            app.admin_call(Method::GET, &format!("{path}?days={days}"), None).await,
            (400, error("days must be between 1 and 366", "BAD_REQUEST")),
            "days={days}"
        );
    }
    let unknown = format!("/api/admin/tenants/{}/usage/daily", uuid::Uuid::new_v4());
    assert_eq!(app.admin_call(Method::GET, &unknown, None).await, (404, error("Tenant not found", "NOT_FOUND")));
}

/// Runs acme-corp's `kasino-risk` three times: 120 tokens, a failure, 360 tokens. The tenant and its runs' ids.
async fn three_runs(client: &Client) -> (String, Vec<Value>) {
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    let mut ids = Vec::new();
    for said in ["120", "reject", "360"] {
        ids.push(run_risk(client, &key, said).await["id"].clone());
    }
    (tenant, ids)
}

async fn an_agents_runs_are_listed_newest_first_with_why_they_failed(backend: Backend) {
    let client = serve(backend, as_is, &[]).await;
    let app = &client.app;
    let (tenant, ids) = three_runs(&client).await;
    let (globex, _) = client.tenant("globex", "pro").await;

    let path = format!("/api/admin/tenants/{tenant}/agents/kasino-risk/runs");
    let body = admin_get(app, &format!("{path}?limit=50")).await;
    let runs = body["runs"].as_array().unwrap();
    let listed: Vec<&Value> = runs.iter().map(|run| &run["id"]).collect();
    assert_eq!(listed, [&ids[2], &ids[1], &ids[0]], "newest first");
    let (newest, failed, oldest) = (&runs[0], &runs[1], &runs[2]);
    assert_eq!(
        (&newest["status"], &newest["tokens_used"], &newest["error"]),
        (&json!("completed"), &json!(360), &Value::Null)
    );
    assert_eq!((&failed["status"], &failed["tokens_used"]), (&json!("failed"), &json!(0)));
    assert_eq!(failed["error"], "Provider 'groq' rejected the request: context_length_exceeded");
    assert_eq!(
        (&oldest["status"], &oldest["tokens_used"], &oldest["model"], &oldest["provider"]),
        (&json!("completed"), &json!(120), &json!("llama-3.3-70b"), &json!("groq"))
    );
    for run in runs {
        assert!(run["duration_ms"].is_u64(), "{run}");
        assert!(DateTime::parse_from_rfc3339(run["started_at"].as_str().unwrap()).is_ok(), "{run}");
    }

    let latest = admin_get(app, &format!("{path}?limit=1")).await;
    assert_eq!(latest["runs"].as_array().unwrap().len(), 1);
    assert_eq!(latest["runs"][0]["id"], ids[2]);
    assert_eq!(
        admin_get(app, &format!("/api/admin/tenants/{globex}/agents/kasino-risk/runs")).await,
        json!({"runs": []}),
        "another tenant's agent of the same name has runs of its own"
    );
    for limit in [0, 1001] {
        assert_eq!(
            app.admin_call(Method::GET, &format!("{path}?limit={limit}"), None).await,
            (400, error("limit must be between 1 and 1000", "BAD_REQUEST")),
            "limit={limit}"
        );
    }
}

async fn an_agents_stats_add_up_its_runs(backend: Backend) {
    let client = serve(backend, as_is, &[]).await;
    let app = &client.app;
    let (tenant, _) = three_runs(&client).await;
    let runs = admin_get(app, &format!("/api/admin/tenants/{tenant}/agents/kasino-risk/runs")).await;
    let stats = admin_get(app, &format!("/api/admin/tenants/{tenant}/agents/kasino-risk/stats")).await;
    assert_eq!(
        (&stats["agent_name"], &stats["total_runs"], &stats["successful_runs"], &stats["failed_runs"]),
        (&json!("kasino-risk"), &json!(3), &json!(2), &json!(1))
    );
    assert_eq!(stats["success_rate"], json!(0.667), "to three decimals");
    assert_eq!(stats["avg_tokens"], json!(160), "(120 + 0 + 360) / 3: the failed run counts");
    assert!(stats["avg_duration_ms"].is_u64(), "{stats}");
    assert_eq!(stats["last_run"], runs["runs"][0]["started_at"]);
}

async fn an_agent_that_never_ran_has_no_runs_and_an_unknown_one_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let provisioned = app.provision("acme-corp", "pro", "kasino").await;
    let tenant = provisioned["tenant_id"].as_str().unwrap();
    let agent = format!("/api/admin/tenants/{tenant}/agents/kasino-report");
    assert_eq!(admin_get(&app, &format!("{agent}/runs")).await, json!({"runs": []}));
    assert_eq!(
        admin_get(&app, &format!("{agent}/stats")).await,
        json!({"agent_name": "kasino-report", "total_runs": 0, "successful_runs": 0, "failed_runs": 0,
               "success_rate": 0.0, "avg_duration_ms": 0, "avg_tokens": 0, "last_run": null})
    );
    for report in ["runs", "stats"] {
        assert_eq!(
            app.admin_call(Method::GET, &format!("/api/admin/tenants/{tenant}/agents/ghost/{report}"), None).await,
            (404, error("Agent not found: ghost", "NOT_FOUND")),
            "{report}"
        );
        let unknown = format!("/api/admin/tenants/{}/agents/kasino-report/{report}", uuid::Uuid::new_v4());
        assert_eq!(app.admin_call(Method::GET, &unknown, None).await, (404, error("Tenant not found", "NOT_FOUND")));
    }
}

async fn every_tenants_agents_are_listed_by_tenant_name_then_agent_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let globex = app.provision("globex", "pro", "kasino").await;
    let acme = app.provision("acme-corp", "pro", "generic").await;
    let beta = app.create_tenant("beta").await;
    for name in ["zeta-bot", "alpha-bot"] {
        let body = json!({"name": name, "config": {"model": "fast"}});
        let (status, created) =
            app.admin_call(Method::POST, &format!("/api/admin/tenants/{beta}/agents"), Some(body)).await;
        assert_eq!(status, 201, "{created}");
    }

    let body = admin_get(&app, "/api/admin/agents").await;
    assert_eq!((&body["total"], &body["page"], &body["per_page"]), (&json!(8), &json!(1), &json!(20)));
    let agents = body["agents"].as_array().unwrap();
    let listed: Vec<(&str, &str)> =
        agents.iter().map(|a| (a["tenant_name"].as_str().unwrap(), a["name"].as_str().unwrap())).collect();
    assert_eq!(
        listed,
        [
            ("acme-corp", "generic-analyst"),
            ("acme-corp", "generic-chat"),
            ("beta", "alpha-bot"),
            ("beta", "zeta-bot"),
            ("globex", "kasino-classifier"),
            ("globex", "kasino-report"),
            ("globex", "kasino-risk"),
            ("globex", "kasino-transaction"),
        ]
    );
    let chat = &agents[1];
    assert_eq!(
        (&chat["tenant_id"], &chat["agent_type"], &chat["status"], &chat["model"]),
        (&acme["tenant_id"], &json!("chat"), &json!("active"), &json!("llama-3.3-70b"))
    );
    let transaction = &agents[7];
    assert_eq!(
        (&transaction["tenant_id"], &transaction["agent_type"], &transaction["model"]),
        (&globex["tenant_id"], &json!("transaction"), &json!("llama-3.1-8b"))
    );
    assert_eq!((&agents[2]["tenant_id"], &agents[2]["agent_type"]), (&json!(beta), &json!("general")));
    for agent in agents {
        assert!(agent["id"].is_string() && agent["created_at"].is_string(), "{agent}");
    }

    let page = admin_get(&app, "/api/admin/agents?page=2&per_page=3").await;
    let names: Vec<&str> = page["agents"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["zeta-bot", "kasino-classifier", "kasino-report"]);
    assert_eq!((&page["total"], &page["page"], &page["per_page"]), (&json!(8), &json!(2), &json!(3)));
    assert_eq!(
        app.admin_call(Method::GET, "/api/admin/agents?per_page=0", None).await,
        (400, error("Invalid query: per_page must be between 1 and 100", "BAD_REQUEST"))
    );
}

async fn the_platform_stats_count_every_tenant_and_todays_usage_only(backend: Backend) {
    let client = serve(backend, priced, &[]).await;
    let app = &client.app;
    let (_, acme) = client.tenant("acme-corp", "pro").await;
    let (_, globex) = client.tenant("globex", "pro").await;
    app.create_tenant("initech").await;
    assert_eq!(spend(&client, &acme, "Hi").await, 200);
    run_risk(&client, &globex, "x").await;
    assert_eq!(client.call(&globex, Method::GET, "/v1/agents", None).await.0, 200);

    assert_eq!(
        admin_get(app, "/api/admin/stats").await,
        json!({"total_tenants": 3, "total_agents": 8, "total_runs_today": 2, "total_tokens_today": 84,
               "total_requests_today": 3, "cost_usd_today": 0.000108, "active_alerts": 0})
    );
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        admin_get(app, "/api/admin/stats").await,
        json!({"total_tenants": 3, "total_agents": 8, "total_runs_today": 0, "total_tokens_today": 0,
               "total_requests_today": 0, "cost_usd_today": 0.0, "active_alerts": 0}),
        "a new UTC day on the server's clock"
    );
}

async fn an_operator_revokes_a_key_of_the_tenant_and_only_of_the_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.provision("acme-corp", "pro", "kasino").await;
    let globex = app.provision("globex", "pro", "kasino").await;
    let tenant = acme["tenant_id"].as_str().unwrap();
    let keys = format!("/api/admin/tenants/{tenant}/api-keys");
    let (status, issued) = app.admin_call(Method::POST, &keys, Some(json!({"name": "staging"}))).await;
    assert_eq!(status, 201, "{issued}");
    let (raw, id) = (issued["raw_key"].as_str().unwrap(), issued["id"].as_str().unwrap());
    let usage = |key: &str| {
        let request = app.client_request(key, Method::GET, "/v1/usage");
        async move { status_and_json(request.send().await.unwrap()).await }
    };
    assert_eq!(usage(raw).await.0, 200, "known, and cached as valid");

    assert_eq!(app.admin_call(Method::DELETE, &format!("{keys}/{id}"), None).await.0, 204);
    assert_eq!(usage(raw).await, (401, error("Invalid API key", "UNAUTHORIZED")), "revoked at once");
    assert_eq!(usage(acme["raw_api_key"].as_str().unwrap()).await.0, 200, "the tenant's other key still works");

    let theirs = globex["api_key_id"].as_str().unwrap();
    let not_found = (404, error("API key not found", "NOT_FOUND"));
    assert_eq!(app.admin_call(Method::DELETE, &format!("{keys}/{theirs}"), None).await, not_found);
    assert_eq!(usage(globex["raw_api_key"].as_str().unwrap()).await.0, 200, "another tenant's key is untouched");
    assert_eq!(app.admin_call(Method::DELETE, &format!("{keys}/{id}"), None).await, not_found, "revoked already");
    assert_eq!(app.admin_call(Method::DELETE, &format!("{keys}/not-a-key-id"), None).await, not_found);
}

/// The audit log's entries that `query` selects, newest first.
async fn audit_log(app: &TestApp, query: &str) -> Vec<Value> {
    let body = admin_get(app, &format!("/api/admin/audit-log?{query}")).await;
    body["entries"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|entry| entry["action"].as_str().unwrap()).collect()
}

fn ids(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|entry| entry["id"].as_str().unwrap()).collect()
}

async fn changes_are_audited_newest_first_with_who_made_them_and_can_be_filtered_and_paged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.create_tenant("acme-corp").await;
    let globex = app.provision("globex", "pro", "kasino").await;
    let (globex_id, globex_key) = (globex["tenant_id"].as_str().unwrap(), globex["raw_api_key"].as_str().unwrap());
    let prefix = &globex_key[..9];
    let tenant = format!("/api/admin/tenants/{acme}");
    let quota = app.admin_call(Method::PUT, &format!("{tenant}/quota"), Some(json!({"tier": "pro"}))).await;
    assert_eq!(quota.0, 200, "{quota:?}");
    let (status, ci) = app.admin_call(Method::POST, &format!("{tenant}/api-keys"), Some(json!({"name": "ci"}))).await;
    assert_eq!(status, 201);
    let agent = json!({"name": "helper", "config": {"model": "fast"}});
    assert_eq!(app.admin_call(Method::POST, &format!("{tenant}/agents"), Some(agent)).await.0, 201);
    let disable = Some(json!({"status": "disabled"}));
    assert_eq!(app.admin_call(Method::PUT, &format!("{tenant}/agents/helper"), disable).await.0, 200);
    assert_eq!(app.admin_call(Method::DELETE, &format!("{tenant}/agents/helper"), None).await.0, 204);
    let request = app.client_request(globex_key, Method::POST, "/v1/api-keys").json(&json!({"name": "mobile"}));
    let (status, mobile) = status_and_json(request.send().await.unwrap()).await;
    assert_eq!(status, 201, "{mobile}");
    let mobile_id = mobile["key"].as_str().unwrap();
    let revoke = app.client_request(globex_key, Method::DELETE, &format!("/v1/api-keys/{mobile_id}"));
    assert_eq!(revoke.send().await.unwrap().status(), 204);
    let ci_id = ci["id"].as_str().unwrap();
    assert_eq!(app.admin_call(Method::DELETE, &format!("{tenant}/api-keys/{ci_id}"), None).await.0, 204);

    let entries = audit_log(&app, "").await;
    assert_eq!(
        actions(&entries),
        [
            "api_key.revoked",
            "api_key.revoked",
            "api_key.created",
            "agent.deleted",
            "agent.updated",
            "agent.created",
            "api_key.created",
            "tenant.tier_changed",
            "tenant.provisioned",
            "tenant.created",
        ]
    );
    for entry in &entries {
        assert!(entry["id"].is_string() && entry["details"].is_object(), "{entry}");
        assert!(DateTime::parse_from_rfc3339(entry["timestamp"].as_str().unwrap()).is_ok(), "{entry}");
    }
    let created = &entries[9];
    assert_eq!(
        (&created["actor"], &created["tenant_id"], &created["target"]),
        (&json!("admin"), &json!(acme), &json!(format!("tenant:{acme}")))
    );
    assert_eq!((&created["details"]["tenant_name"], &created["details"]["tier"]), (&json!("acme-corp"), &json!("dev")));
    assert_eq!(
        (&entries[8]["tenant_id"], &entries[8]["details"]["tenant_name"]),
        (&json!(globex_id), &json!("globex"))
    );
    assert_eq!(
        (&entries[7]["target"], &entries[7]["details"]["tier"]),
        (&json!(format!("tenant:{acme}")), &json!("pro"))
    );
    assert_eq!(entries[6]["target"], format!("api_key:{ci_id}"));
    assert_eq!(entries[4]["target"], "agent:helper");
    let by_key = &entries[2];
    assert_eq!(
        (&by_key["actor"], &by_key["tenant_id"], &by_key["target"]),
        (&json!(prefix), &json!(globex_id), &json!(format!("api_key:{mobile_id}"))),
        "a tenant's own change is made by its key, named by its prefix"
    );
    assert_eq!((&entries[1]["actor"], &entries[1]["target"]), (&json!(prefix), &json!(format!("api_key:{mobile_id}"))));
    assert_eq!((&entries[0]["actor"], &entries[0]["target"]), (&json!("admin"), &json!(format!("api_key:{ci_id}"))));

    assert_eq!(
        actions(&audit_log(&app, &format!("tenant_id={acme}")).await),
        [
            "api_key.revoked",
            "agent.deleted",
            "agent.updated",
            "agent.created",
            "api_key.created",
            "tenant.tier_changed",
            "tenant.created"
        ]
    );
    assert_eq!(actions(&audit_log(&app, &format!("actor={prefix}")).await), ["api_key.revoked", "api_key.created"]);
    assert_eq!(audit_log(&app, "actor=admin").await.len(), 8);
    let keys_created = audit_log(&app, "action=api_key.created").await;
    assert_eq!(ids(&keys_created), [ids(&entries)[2], ids(&entries)[6]]);
    let updated = audit_log(&app, &format!("tenant_id={acme}&action=agent.updated")).await;
    assert_eq!(ids(&updated), [ids(&entries)[4]]);
    assert_eq!(updated[0]["details"]["agent_name"], "helper");

    let first = audit_log(&app, "limit=4").await;
    let second = audit_log(&app, &format!("limit=4&before={}", ids(&first)[3])).await;
    let third = audit_log(&app, &format!("limit=4&before={}", ids(&second)[3])).await;
    assert_eq!((first.len(), second.len(), third.len()), (4, 4, 2));
    let paged: Vec<&str> = ids(&first).into_iter().chain(ids(&second)).chain(ids(&third)).collect();
    assert_eq!(paged, ids(&entries), "each page goes on where the last one ended");
    for limit in [0, 1001] {
        let (status, body) = app.admin_call(Method::GET, &format!("/api/admin/audit-log?limit={limit}"), None).await;
        assert_eq!(status, 400, "limit={limit}: {body}");
    }
}

/// An upstream that lists one model.
async fn listing_upstream() -> MockUpstream {
    let models = json!({"object": "list", "data": [{"id": "qwen-72b", "object": "model"}]});
    MockUpstream::start(vec![Reply::json(200, &models)]).await
}

fn provider_body(upstream: &MockUpstream) -> Value {
    json!({
        "id": "vllm-main",
        "type": "openai",
        "base_url": format!("{}/v1", upstream.url()),
        "api_key": PROVIDER_SECRET,
        "models": [{"id": "Qwen/Qwen2.5-7B", "name": "qwen-7b", "tier": "fast"}]
    })
}

async fn provider_changes_are_audited_when_they_happen(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let upstream = listing_upstream().await;
    let base = "/api/admin/providers/vllm-main";
    let later = || app.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(app.admin_call(Method::POST, "/api/admin/providers", Some(provider_body(&upstream))).await.0, 201);
    later();
    let limits = Some(json!({"limits": {"tokens_per_minute": 1000}}));
    assert_eq!(app.admin_call(Method::PUT, base, limits).await.0, 200);
    later();
    assert_eq!(app.admin_call(Method::POST, &format!("{base}/disable"), None).await.0, 200);
    later();
    assert_eq!(app.admin_call(Method::POST, &format!("{base}/enable"), None).await.0, 200);
    later();
    assert_eq!(app.admin_call(Method::POST, &format!("{base}/models/refresh"), None).await.0, 200);
    later();
    assert_eq!(app.admin_call(Method::DELETE, base, None).await.0, 204);

    let entries = audit_log(&app, "").await;
    assert_eq!(
        actions(&entries),
        [
            "provider.deleted",
            "provider.models_refreshed",
            "provider.enabled",
            "provider.disabled",
            "provider.updated",
            "provider.created"
        ]
    );
    for entry in &entries {
        assert_eq!((&entry["actor"], &entry["target"]), (&json!("admin"), &json!("provider:vllm-main")), "{entry}");
    }
    let times: Vec<DateTime<FixedOffset>> =
        entries.iter().map(|e| DateTime::parse_from_rfc3339(e["timestamp"].as_str().unwrap()).unwrap()).collect();
    assert!(times.windows(2).all(|pair| pair[0] > pair[1]), "each change is stamped when it was made: {times:?}");
}

async fn no_secret_ever_reaches_the_audit_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let upstream = listing_upstream().await;
    let provisioned = app.provision("acme-corp", "pro", "kasino").await;
    let tenant = provisioned["tenant_id"].as_str().unwrap();
    let first = provisioned["raw_api_key"].as_str().unwrap().to_owned();
    let keys = format!("/api/admin/tenants/{tenant}/api-keys");
    let (status, issued) = app.admin_call(Method::POST, &keys, Some(json!({"name": "ci"}))).await;
    assert_eq!(status, 201);
    let by_admin = issued["raw_key"].as_str().unwrap().to_owned();
    let request = app.client_request(&first, Method::POST, "/v1/api-keys").json(&json!({"name": "mobile"}));
    let (status, created) = status_and_json(request.send().await.unwrap()).await;
    assert_eq!(status, 201, "{created}");
    let by_client = created["secret"].as_str().unwrap().to_owned();

    assert_eq!(app.admin_call(Method::POST, "/api/admin/providers", Some(provider_body(&upstream))).await.0, 201);
    let rotate = Some(json!({"api_key": ROTATED_SECRET}));
    assert_eq!(app.admin_call(Method::PUT, "/api/admin/providers/vllm-main", rotate).await.0, 200);
    assert_eq!(app.admin_call(Method::POST, "/api/admin/providers/vllm-main/models/refresh", None).await.0, 200);
    assert_eq!(app.admin_call(Method::DELETE, "/api/admin/providers/vllm-main", None).await.0, 204);
    let ci_id = issued["id"].as_str().unwrap();
    assert_eq!(app.admin_call(Method::DELETE, &format!("{keys}/{ci_id}"), None).await.0, 204);
    let mobile_id = created["key"].as_str().unwrap();
    let revoke = app.client_request(&first, Method::DELETE, &format!("/v1/api-keys/{mobile_id}"));
    assert_eq!(revoke.send().await.unwrap().status(), 204);

    let response = app.admin(Method::GET, "/api/admin/audit-log?limit=1000").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let log = response.text().await.unwrap();
    let entries: Value = serde_json::from_str(&log).unwrap();
    assert_eq!(entries["entries"].as_array().unwrap().len(), 9, "every change is there: {log}");
    assert!(log.contains(&first[..9]), "a key is named by its prefix");

    let lowercase = log.to_lowercase();
    for raw in [&first, &by_admin, &by_client] {
        assert!(!log.contains(raw.as_str()), "a raw key leaked: {log}");
        assert!(!log.contains(&raw[9..]), "the secret part of a key leaked: {log}");
        let hash = KeyHash::of(raw).as_ref().to_lowercase();
        assert!(!lowercase.contains(&hash), "a key's hash leaked: {log}");
    }
    for secret in [PROVIDER_SECRET, ROTATED_SECRET, ADMIN_SECRET, ENCRYPTION_KEY, "enc:v1:"] {
        assert!(!log.contains(secret), "{secret} leaked: {log}");
    }
}

/// The alerts raised about `tenant`, newest first.
async fn alerts_of(app: &TestApp, tenant: &str) -> Vec<Value> {
    let body = admin_get(app, "/api/admin/alerts?limit=1000").await;
    body["alerts"].as_array().unwrap().iter().filter(|alert| alert["tenant_id"] == tenant).cloned().collect()
}

/// The alerts raised about `tenant` once `raised` holds of them (they are raised in the background: it waits up to
/// 5 s), read again a moment later so that an alert raised twice would show.
async fn alerts_once(app: &TestApp, tenant: &str, raised: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..50 {
        if raised(alerts_of(app, tenant).await.as_slice()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    alerts_of(app, tenant).await
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

async fn crossing_80_percent_raises_one_warning_however_many_requests_follow(backend: Backend) {
    let client = serve(backend, as_is, &[]).await;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(spend(&client, &key, "79000").await, 200);
    assert_eq!(spend(&client, &key, "1000").await, 200, "80,000 of the free tier's 100,000 tokens");
    for _ in 0..10 {
        assert_eq!(spend(&client, &key, "100").await, 200, "still between 80% and 90%");
    }
    let alerts = alerts_once(&client.app, &tenant, |alerts| !alerts.is_empty()).await;
    assert_eq!(messages(&alerts), ["Tenant acme-corp approaching token quota (80%)"]);
    let alert = &alerts[0];
    assert_eq!(
        (&alert["severity"], &alert["kind"], &alert["resolved"], &alert["resolved_at"]),
        (&json!("warning"), &json!("quota"), &json!(false), &Value::Null)
    );
    assert!(alert["id"].is_string(), "{alert}");
    assert!(DateTime::parse_from_rfc3339(alert["created_at"].as_str().unwrap()).is_ok(), "{alert}");
}

async fn twenty_concurrent_requests_that_land_above_90_percent_raise_one_critical_alert(backend: Backend) {
    let client = serve(backend, as_is, &[]).await;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(spend(&client, &key, "89900").await, 200);
    // Each is admitted at 89,900 and lands at 90,000 or more; none is answered before all are in flight.
    let statuses = join_all((0..BURST).map(|_| spend(&client, &key, "together 100"))).await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    let alerts =
        alerts_once(&client.app, &tenant, |alerts| alerts.iter().any(|alert| alert["severity"] == "critical")).await;
    assert_eq!(of_severity(&alerts, "critical"), ["Tenant acme-corp approaching token quota (90%)"]);
    assert_eq!(of_severity(&alerts, "warning"), ["Tenant acme-corp approaching token quota (89%)"]);
    assert_eq!(alerts.len(), 2, "{alerts:?}");
}

async fn reaching_the_token_quota_raises_one_alert_that_the_refusals_after_it_do_not_repeat(backend: Backend) {
    let client = serve(backend, as_is, &[]).await;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(spend(&client, &key, "100000").await, 200);
    for _ in 0..3 {
        assert_eq!(spend(&client, &key, "100").await, 429, "the month's tokens are spent");
    }
    let alerts = alerts_once(&client.app, &tenant, |alerts| !alerts.is_empty()).await;
    assert_eq!(messages(&alerts), ["Tenant acme-corp reached its token quota"]);
    assert_eq!((&alerts[0]["severity"], &alerts[0]["kind"]), (&json!("critical"), &json!("quota")));
}

async fn a_new_month_is_a_new_period_with_an_alert_of_its_own(backend: Backend) {
    let client = serve(backend, as_is, &[]).await;
    let app = &client.app;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    assert_eq!(spend(&client, &key, "80000").await, 200);
    let first = alerts_once(app, &tenant, |alerts| !alerts.is_empty()).await;
    assert_eq!(messages(&first), ["Tenant acme-corp approaching token quota (80%)"]);

    app.clock.advance(chrono::Duration::days(32));
    let usage = admin_get(app, &format!("/api/admin/tenants/{tenant}/usage")).await;
    assert_eq!(usage["total_tokens"], 0, "a new month starts from zero");
    assert_eq!(spend(&client, &key, "80000").await, 200);
    let alerts = alerts_once(app, &tenant, |alerts| alerts.len() >= 2).await;
    assert_eq!(
        messages(&alerts),
        ["Tenant acme-corp approaching token quota (80%)", "Tenant acme-corp approaching token quota (80%)"]
    );
    assert_eq!(alerts[1]["id"], first[0]["id"], "newest first: last month's alert is the older one");
    assert_ne!(alerts[0]["id"], alerts[1]["id"]);
    let month = app.clock_date(0)[..7].to_owned();
    assert!(alerts[0]["created_at"].as_str().unwrap().starts_with(&month), "{alerts:?}");
    assert!(!alerts[1]["created_at"].as_str().unwrap().starts_with(&month), "{alerts:?}");
}

/// The ids of the alerts `query` selects.
async fn alert_ids(app: &TestApp, query: &str) -> Vec<Value> {
    let body = admin_get(app, &format!("/api/admin/alerts?{query}")).await;
    body["alerts"].as_array().unwrap().iter().map(|alert| alert["id"].clone()).collect()
}

async fn an_alert_is_listed_by_severity_and_state_resolved_and_the_resolve_is_audited(backend: Backend) {
    let client = serve(backend, as_is, &[("ARES__TIERS__FREE__DAILY_REQUESTS", "2")]).await;
    let app = &client.app;
    let (tenant, key) = client.tenant("acme-corp", "free").await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(client.call(&key, Method::GET, "/v1/agents", None).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let alerts = alerts_once(app, &tenant, |alerts| !alerts.is_empty()).await;
    assert_eq!(messages(&alerts), ["Tenant acme-corp reached its daily request limit"]);
    let alert = alerts[0].clone();
    assert_eq!(
        (&alert["severity"], &alert["kind"], &alert["resolved"]),
        (&json!("critical"), &json!("quota"), &json!(false))
    );
    let id = alert["id"].clone();
    assert_eq!(admin_get(app, "/api/admin/stats").await["active_alerts"], 1);
    assert_eq!(alert_ids(app, "severity=critical").await, std::slice::from_ref(&id));
    assert_eq!(alert_ids(app, "severity=warning").await, Vec::<Value>::new());
    assert_eq!(alert_ids(app, "resolved=false").await, std::slice::from_ref(&id));
    assert_eq!(alert_ids(app, "resolved=true").await, Vec::<Value>::new());

    let resolve = format!("/api/admin/alerts/{}/resolve", id.as_str().unwrap());
    let (status, resolved) = app.admin_call(Method::POST, &resolve, None).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!((&resolved["id"], &resolved["message"], &resolved["resolved"]), (&id, &alert["message"], &json!(true)));
    assert!(DateTime::parse_from_rfc3339(resolved["resolved_at"].as_str().unwrap()).is_ok(), "{resolved}");
    assert_eq!(alert_ids(app, "resolved=true").await, std::slice::from_ref(&id));
    assert_eq!(alert_ids(app, "resolved=false").await, Vec::<Value>::new());
    assert_eq!(admin_get(app, "/api/admin/stats").await["active_alerts"], 0);

    let audited = audit_log(app, "action=alert.resolved").await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(
        (&audited[0]["actor"], &audited[0]["target"]),
        (&json!("admin"), &json!(format!("alert:{}", id.as_str().unwrap())))
    );

    for unknown in [uuid::Uuid::new_v4().to_string(), "not-an-alert-id".to_owned()] {
        assert_eq!(
            app.admin_call(Method::POST, &format!("/api/admin/alerts/{unknown}/resolve"), None).await,
            (404, error("Alert not found", "NOT_FOUND")),
            "{unknown}"
        );
    }
    let (status, body) = app.admin_call(Method::GET, "/api/admin/alerts?severity=urgent", None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("urgent"), "{body}");
    assert_eq!(app.admin_call(Method::GET, "/api/admin/alerts?limit=0", None).await.0, 400);
}
