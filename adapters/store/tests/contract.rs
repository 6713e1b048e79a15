//! The repository contract: every repository, against real PostgreSQL and real SQLite, each test on a database
//! of its own. The same test body runs on both backends.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::sync::Arc;

use ares_application::ports::{
    Admission, AgentRepository, AlertFilter, AlertRepository, ApiKeyRepository, AuditLog, Background, Conflict,
    ProviderRepository, RepoError, Reservation, RunRepository, Settlement, TemplateRepository, TenantRepository,
    UsageAnalytics, UsageLedger, UsageRange,
};
use ares_domain::{
    Actor, Agent, AgentConfig, AgentName, AgentTemplate, AgentType, ApiKey, AuditEntry, AuditFilter, Bucket, Counters,
    Credential, Dimension, ModelSpec, ModelTier, NetworkConfig, NewAlert, Page, Period, ProductType, Provider,
    ProviderKind, ProviderLimits, ProviderName, ProviderSecret, ProviderSource, Quota, RawApiKey, Run, RunId,
    RunStatus, Severity, Tenant, TenantId, TenantName, Tier, UsageEvent, UsageEventId, UsageFilter,
};
use ares_store::contract;
use ares_store::testing::TestDb;
use ares_store::{
    AgentStore, AlertStore, AnalyticsStore, ApiKeyStore, AuditStore, Backend, Cipher, LedgerStore, ProviderStore,
    RunStore, TemplateStore, TenantStore,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

contract!(
    tenant_round_trips_through_the_store,
    a_taken_tenant_name_is_a_tenant_name_conflict,
    provision_writes_tenant_agents_and_key_together,
    provision_rolls_back_when_the_key_fails_after_the_agents_are_cloned,
    tenant_list_counts_each_tenants_agents,
    tenant_stats_count_agents_and_live_keys,
    set_tier_updates_the_tenant_and_misses_unknown_ones,
    agent_names_are_unique_per_tenant_only,
    agents_of_one_tenant_are_invisible_to_another,
    agent_update_replaces_fields_and_refuses_a_colliding_rename,
    agent_list_carries_run_figures,
    api_keys_are_listed_per_tenant_without_their_secret,
    live_keys_are_capped_exactly_under_concurrent_inserts_and_listed_by_page,
    templates_are_replaced_exactly_and_idempotently,
    providers_round_trip_with_their_models_network_and_credentials,
    a_taken_provider_name_is_a_provider_name_conflict,
    api_keys_are_sealed_at_rest_and_rotated_in_one_go,
    syncing_configured_providers_keeps_operator_state_and_leaves_api_ones_alone,
    concurrent_admissions_never_pass_the_daily_limit,
    token_reservations_must_fit_and_settlement_releases_them,
    further_reservations_count_no_request_and_settlement_releases_them_all,
    a_settlement_written_twice_counts_once,
    expired_reservations_are_released_once_and_never_after_their_settlement,
    two_instances_release_an_expired_reservation_exactly_once,
    a_new_day_and_a_new_month_start_from_zero,
    settlement_records_the_event_the_run_and_the_day,
    keys_are_found_by_hash_with_their_tier_revoked_per_tenant_and_touched_in_batches,
    runs_are_paged_newest_first_per_agent,
    concurrent_settlements_are_all_counted,
    each_change_writes_its_audit_entry_in_its_own_transaction,
    the_audit_log_is_filtered_and_paged_newest_first,
    an_alert_is_raised_once_per_key_however_many_try_at_once,
    alerts_are_listed_by_severity_and_state_and_resolved_once,
    run_stats_add_up_an_agents_runs,
    daily_and_platform_usage_add_up_settled_events_with_their_cost,
    every_tenants_agents_are_paged_with_their_tenant_name,
    usage_adds_up_by_time_bucket_and_by_dimension_the_same_on_both_backends,
);

/// Whole seconds, so a timestamp reads back equal on both backends.
fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

struct Stores {
    _db: TestDb,
    tenants: TenantStore,
    agents: AgentStore,
    keys: ApiKeyStore,
    templates: TemplateStore,
    runs: RunStore,
    providers: ProviderStore,
    ledger: LedgerStore,
    audit: AuditStore,
    alerts: AlertStore,
}

impl Stores {
    /// The ledger of another instance on the same database (its own pools).
    async fn other_instance(&self) -> LedgerStore {
        let db = self._db.connect().await;
        LedgerStore::new(db.clone(), db.relaxed(&self._db.settings()).unwrap(), Arc::new(Spawned))
    }
}

async fn stores(backend: Backend) -> Stores {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    Stores {
        tenants: TenantStore::new(db.clone()),
        agents: AgentStore::new(db.clone()),
        keys: ApiKeyStore::new(db.clone()),
        templates: TemplateStore::new(db.clone()),
        runs: RunStore::new(db.clone()),
        providers: ProviderStore::new(db.clone(), Some(Arc::new(cipher(KEY_ONE)))),
        ledger: LedgerStore::new(db.clone(), db.relaxed(&test_db.settings()).unwrap(), Arc::new(Spawned)),
        audit: AuditStore::new(db.clone()),
        alerts: AlertStore::new(db.clone()),
        _db: test_db,
    }
}

/// An audit entry for a change the test makes.
fn audit() -> AuditEntry {
    AuditEntry::new(&Actor::Admin, "test.change", at(13))
}

fn tenant(name: &str) -> Tenant {
    Tenant::new(TenantName::parse(name).unwrap(), Tier::Pro, Some(ProductType::Kasino), at(13))
}

fn config(model: &str) -> AgentConfig {
    AgentConfig::from_json(
        json!({"model": model, "tools": ["calculator"], "max_tokens": 512}).as_object().cloned().unwrap(),
    )
    .unwrap()
}

fn agent(tenant_id: TenantId, name: &str) -> Agent {
    Agent::new(
        tenant_id,
        AgentName::parse(name).unwrap(),
        AgentType::parse("classifier").unwrap(),
        config("fast"),
        at(13),
    )
}

fn key(tenant_id: TenantId, random: &str) -> ApiKey {
    let raw = RawApiKey::from_random(random).unwrap();
    ApiKey::issue(tenant_id, "production".into(), &raw, at(13), Some(at(20)))
}

fn run(tenant_id: TenantId, agent: &str, status: RunStatus, tokens: (u64, u64)) -> Run {
    Run {
        id: RunId::new(),
        tenant_id,
        agent_name: AgentName::parse(agent).unwrap(),
        status,
        input: json!({"message": "hi"}),
        output: Some(json!({"text": "hello"})),
        error: None,
        model: Some("fast".into()),
        provider: Some("groq".into()),
        tokens_in: tokens.0,
        tokens_out: tokens.1,
        started_at: at(13),
        duration_ms: Some(12),
        tool_calls: vec![],
    }
}

const KEY_A: &str = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0";
const KEY_B: &str = "b1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0";

async fn tenant_round_trips_through_the_store(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    assert_eq!(s.tenants.find(acme.id).await.unwrap(), Some(acme));
    assert_eq!(s.tenants.find(TenantId::new()).await.unwrap(), None);
}

async fn a_taken_tenant_name_is_a_tenant_name_conflict(backend: Backend) {
    let s = stores(backend).await;
    s.tenants.insert(&tenant("acme-corp"), &audit()).await.unwrap();
    let err = s.tenants.insert(&tenant("acme-corp"), &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::TenantName)), "{err:?}");
    let err = s.tenants.provision(&tenant("acme-corp"), &[], &key(TenantId::new(), KEY_A), &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::TenantName)), "{err:?}");
}

async fn provision_writes_tenant_agents_and_key_together(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    let agents = [agent(acme.id, "kasino-classifier"), agent(acme.id, "kasino-risk")];
    let first_key = key(acme.id, KEY_A);
    s.tenants.provision(&acme, &agents, &first_key, &audit()).await.unwrap();
    assert_eq!(s.tenants.find(acme.id).await.unwrap(), Some(acme.clone()));
    let stored: Vec<_> = s.agents.list(acme.id).await.unwrap().into_iter().map(|a| a.agent).collect();
    assert_eq!(stored, agents);
    assert_eq!(keys_of(&s, acme.id).await, vec![first_key]);
}

async fn provision_rolls_back_when_the_key_fails_after_the_agents_are_cloned(backend: Backend) {
    let s = stores(backend).await;
    let existing = tenant("existing");
    s.tenants.provision(&existing, &[], &key(existing.id, KEY_A), &audit()).await.unwrap();
    // The new tenant's key collides with a stored hash: the key insert, which runs after the tenant and its
    // agents are written, fails.
    let acme = tenant("acme-corp");
    let agents = [agent(acme.id, "kasino-classifier"), agent(acme.id, "kasino-risk")];
    let err = s.tenants.provision(&acme, &agents, &key(acme.id, KEY_A), &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::Other)), "{err:?}");
    assert_eq!(s.tenants.find(acme.id).await.unwrap(), None);
    assert!(s.agents.list(acme.id).await.unwrap().is_empty());
    assert!(keys_of(&s, acme.id).await.is_empty());
    let names: Vec<_> = s.tenants.list().await.unwrap().into_iter().map(|l| l.tenant.name.to_string()).collect();
    assert_eq!(names, ["existing"]);
    // And the name is free again.
    s.tenants.provision(&acme, &agents, &key(acme.id, KEY_B), &audit()).await.unwrap();
}

async fn tenant_list_counts_each_tenants_agents(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.provision(&a, &[agent(a.id, "one"), agent(a.id, "two")], &key(a.id, KEY_A), &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    let counts: Vec<_> =
        s.tenants.list().await.unwrap().into_iter().map(|l| (l.tenant.name.to_string(), l.agent_count)).collect();
    assert_eq!(counts, [("a-corp".to_owned(), 2), ("b-corp".to_owned(), 0)]);
}

async fn tenant_stats_count_agents_and_live_keys(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.provision(&a, &[agent(a.id, "one")], &key(a.id, KEY_A), &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    assert!(s.keys.insert(&ApiKey { revoked: true, ..key(a.id, KEY_B) }, 100, &audit()).await.unwrap());
    s.runs.insert(&run(a.id, "one", RunStatus::Completed, (100, 50))).await.unwrap();
    s.runs.insert(&run(a.id, "one", RunStatus::Failed, (7, 0))).await.unwrap();
    s.runs.insert(&run(b.id, "x", RunStatus::Completed, (1_000, 1_000))).await.unwrap();
    let stats = s.tenants.stats(a.id).await.unwrap();
    assert_eq!((stats.agent_count, stats.api_key_count), (1, 1));
    let empty = s.tenants.stats(TenantId::new()).await.unwrap();
    assert_eq!(empty.agent_count, 0);
}

async fn set_tier_updates_the_tenant_and_misses_unknown_ones(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let updated = s.tenants.set_tier(acme.id, Tier::Enterprise, at(14), &audit()).await.unwrap().unwrap();
    assert_eq!((updated.tier, updated.updated_at, updated.created_at), (Tier::Enterprise, at(14), at(13)));
    assert_eq!(s.tenants.find(acme.id).await.unwrap().unwrap().tier, Tier::Enterprise);
    assert_eq!(s.tenants.set_tier(TenantId::new(), Tier::Free, at(14), &audit()).await.unwrap(), None);
}

async fn agent_names_are_unique_per_tenant_only(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    s.agents.insert(&agent(a.id, "risk"), &audit()).await.unwrap();
    let err = s.agents.insert(&agent(a.id, "risk"), &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::AgentName)), "{err:?}");
    s.agents.insert(&agent(b.id, "risk"), &audit()).await.unwrap();
    // Names are case-sensitive.
    s.agents.insert(&agent(a.id, "Risk"), &audit()).await.unwrap();
}

async fn agents_of_one_tenant_are_invisible_to_another(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    let secret = agent(a.id, "secret");
    s.agents.insert(&secret, &audit()).await.unwrap();
    let name = AgentName::parse("secret").unwrap();
    assert_eq!(s.agents.find(b.id, &name).await.unwrap(), None);
    assert!(s.agents.list(b.id).await.unwrap().is_empty());
    assert!(!s.agents.delete(b.id, &name, &audit()).await.unwrap());
    let hijack = Agent { tenant_id: b.id, ..secret.clone() };
    assert!(!s.agents.update(&hijack, &audit()).await.unwrap());
    assert_eq!(s.agents.find(a.id, &name).await.unwrap(), Some(secret));
    assert!(s.agents.delete(a.id, &name, &audit()).await.unwrap());
    assert_eq!(s.agents.find(a.id, &name).await.unwrap(), None);
}

async fn agent_update_replaces_fields_and_refuses_a_colliding_rename(backend: Backend) {
    let s = stores(backend).await;
    let a = tenant("a-corp");
    s.tenants.insert(&a, &audit()).await.unwrap();
    let one = agent(a.id, "one");
    s.agents.insert(&one, &audit()).await.unwrap();
    s.agents.insert(&agent(a.id, "two"), &audit()).await.unwrap();
    let changed = Agent { config: config("powerful"), updated_at: at(15), ..one.clone() };
    assert!(s.agents.update(&changed, &audit()).await.unwrap());
    assert_eq!(s.agents.find(a.id, &one.name).await.unwrap(), Some(changed.clone()));
    let collide = Agent { name: AgentName::parse("two").unwrap(), ..changed };
    let err = s.agents.update(&collide, &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::AgentName)), "{err:?}");
}

async fn agent_list_carries_run_figures(backend: Backend) {
    let s = stores(backend).await;
    let a = tenant("a-corp");
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.agents.insert(&agent(a.id, "busy"), &audit()).await.unwrap();
    s.agents.insert(&agent(a.id, "idle"), &audit()).await.unwrap();
    for status in [RunStatus::Completed, RunStatus::Completed, RunStatus::Completed, RunStatus::Failed] {
        s.runs.insert(&run(a.id, "busy", status, (1, 1))).await.unwrap();
    }
    let figures: Vec<_> = s
        .agents
        .list(a.id)
        .await
        .unwrap()
        .iter()
        .map(|l| (l.total_runs, l.successful_runs, l.success_rate()))
        .collect();
    assert_eq!(figures, [(4, 3, 0.75), (0, 0, 0.0)]);
}

async fn api_keys_are_listed_per_tenant_without_their_secret(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    let first = key(a.id, KEY_A);
    let second = ApiKey { created_at: at(14), expires_at: None, ..key(a.id, KEY_B) };
    s.keys.insert(&second, 100, &audit()).await.unwrap();
    s.keys.insert(&first, 100, &audit()).await.unwrap();
    assert_eq!(keys_of(&s, a.id).await, vec![first.clone(), second]);
    assert!(keys_of(&s, b.id).await.is_empty());
    assert_ne!(first.hash.as_ref(), format!("ares_{KEY_A}"));
    let err = s.keys.insert(&ApiKey { id: ares_domain::ApiKeyId::new(), ..first }, 100, &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::Other)), "{err:?}");
}

/// Every key of the tenant, revoked ones included.
async fn keys_of(s: &Stores, tenant_id: TenantId) -> Vec<ApiKey> {
    s.keys.page(tenant_id, false, Page::parse(None, Some(100)).unwrap()).await.unwrap().0
}

async fn live_keys_are_capped_exactly_under_concurrent_inserts_and_listed_by_page(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    let issue = |tenant_id, i: usize| {
        let raw = RawApiKey::from_random(&format!("{i:0>32}")).unwrap();
        ApiKey::issue(tenant_id, format!("k{i}"), &raw, at(13) + Duration::seconds(i as i64), None)
    };
    let revoked = ApiKey { revoked: true, ..issue(a.id, 100) };
    let expired = ApiKey { expires_at: Some(at(12)), ..issue(a.id, 101) };
    assert!(s.keys.insert(&revoked, 5, &audit()).await.unwrap() && s.keys.insert(&expired, 5, &audit()).await.unwrap());
    let inserts = (0..12).map(|i| {
        let (keys, key) = (s.keys.clone(), issue(a.id, i));
        tokio::spawn(async move { keys.insert(&key, 5, &audit()).await })
    });
    let mut stored = 0;
    for inserted in futures_util::future::join_all(inserts).await {
        // SQLite may refuse a writer that lost the race outright; it never lets one past the cap.
        stored += usize::from(matches!(inserted.unwrap(), Ok(true)));
    }
    assert_eq!(stored, 5, "revoked and expired keys do not count; no more than 5 live keys");
    assert!(s.keys.insert(&issue(b.id, 50), 5, &audit()).await.unwrap(), "another tenant's cap is its own");
    let page = |number, live_only| s.keys.page(a.id, live_only, Page::parse(Some(number), Some(3)).unwrap());
    let (first, total) = page(1, true).await.unwrap();
    let (second, _) = page(2, true).await.unwrap();
    assert_eq!((first.len(), second.len(), total), (3, 3, 6), "the expired key is listed, the revoked one is not");
    assert!(first.iter().chain(&second).all(|k| k.tenant_id == a.id && !k.revoked));
    assert!(first.windows(2).all(|w| w[0].created_at <= w[1].created_at), "oldest first");
    assert_eq!(page(1, false).await.unwrap().1, 7);
}

fn template(name: &str, product: ProductType, model: &str) -> AgentTemplate {
    AgentTemplate {
        name: AgentName::parse(name).unwrap(),
        product_type: product,
        agent_type: AgentType::parse("classifier").unwrap(),
        config: config(model),
    }
}

async fn templates_are_replaced_exactly_and_idempotently(backend: Backend) {
    let s = stores(backend).await;
    let first = [
        template("kasino-risk", ProductType::Kasino, "fast"),
        template("kasino-classifier", ProductType::Kasino, "fast"),
        template("generic-chat", ProductType::Generic, "balanced"),
    ];
    s.templates.replace_all(&first).await.unwrap();
    s.templates.replace_all(&first).await.unwrap();
    // Listed in configuration order, not by name.
    let kasino = s.templates.list(Some(ProductType::Kasino)).await.unwrap();
    assert_eq!(kasino, [first[0].clone(), first[1].clone()]);
    let second = [template("kasino-risk", ProductType::Kasino, "powerful")];
    s.templates.replace_all(&second).await.unwrap();
    assert_eq!(s.templates.list(None).await.unwrap(), second);
    s.templates.replace_all(&[]).await.unwrap();
    assert!(s.templates.list(None).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_keys_keep_their_expiry_through_the_store() {
    let s = stores(Backend::Sqlite).await;
    let a = tenant("a-corp");
    s.tenants.insert(&a, &audit()).await.unwrap();
    let expiring = ApiKey { expires_at: Some(at(13) + Duration::days(30)), ..key(a.id, KEY_A) };
    s.keys.insert(&expiring, 100, &audit()).await.unwrap();
    assert_eq!(keys_of(&s, a.id).await[0].expires_at, expiring.expires_at);
}

fn provider(name: &str, source: ProviderSource, models: &[&str]) -> Provider {
    Provider {
        name: ProviderName::parse(name).unwrap(),
        kind: ProviderKind::Anthropic,
        base_url: Some("http://127.0.0.1:9/v1".into()),
        credential: Credential::Env("ANTHROPIC_API_KEY".into()),
        models: models
            .iter()
            .map(|m| ModelSpec {
                name: (*m).into(),
                upstream_id: format!("{m}-2026"),
                context_length: Some(200_000),
                supports_tools: true,
                tier: Some(ModelTier::Powerful),
                fallbacks: vec!["other".into()],
                price: ares_domain::ModelPrice::default(),
            })
            .collect(),
        limits: ProviderLimits { requests_per_day: Some(14_400), tokens_per_minute: None },
        network: NetworkConfig {
            connect_timeout: std::time::Duration::from_millis(1500),
            request_timeout: std::time::Duration::from_secs(30),
            max_retries: 1,
            max_idle_per_host: 4,
            idle_timeout: std::time::Duration::from_secs(60),
        },
        enabled: true,
        source,
        discovered_models: vec![],
        models_refreshed_at: None,
        created_at: at(13),
        updated_at: at(13),
    }
}

async fn providers_round_trip_with_their_models_network_and_credentials(backend: Backend) {
    let s = stores(backend).await;
    let mut stored_key = provider("mine", ProviderSource::Api, &["claude"]);
    stored_key.credential = Credential::Stored(ProviderSecret::new("sk-ant-123"));
    stored_key.discovered_models = vec!["claude-a".into(), "claude-b".into()];
    stored_key.models_refreshed_at = Some(at(14));
    s.providers.insert(&stored_key, &audit()).await.unwrap();
    let name = stored_key.name.clone();
    assert_eq!(s.providers.find(&name).await.unwrap(), Some(stored_key.clone()));
    let updated = Provider { enabled: false, credential: Credential::None, base_url: None, ..stored_key };
    assert!(s.providers.update(&updated, &audit()).await.unwrap());
    assert_eq!(s.providers.find(&name).await.unwrap(), Some(updated));
    assert!(s.providers.delete(&name, &audit()).await.unwrap());
    assert!(!s.providers.delete(&name, &audit()).await.unwrap());
    assert!(!s.providers.update(&provider("mine", ProviderSource::Api, &[]), &audit()).await.unwrap());
}

/// Two encryption keys (32 bytes each, base64).
const KEY_ONE: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const KEY_TWO: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

fn cipher(key: &str) -> Cipher {
    Cipher::from_base64(key).unwrap()
}

/// What the `api_key` column of the providers table holds, behind the store.
async fn stored_api_keys(s: &Stores) -> Vec<String> {
    s._db.text_column("providers WHERE api_key IS NOT NULL ORDER BY name", "api_key").await.unwrap()
}

async fn api_keys_are_sealed_at_rest_and_rotated_in_one_go(backend: Backend) {
    let s = stores(backend).await;
    let mut groq = provider("groq", ProviderSource::Api, &["g"]);
    groq.credential = Credential::Stored(ProviderSecret::new("gsk_live_secret"));
    s.providers.insert(&groq, &audit()).await.unwrap();
    let sealed = stored_api_keys(&s).await;
    assert!(sealed[0].starts_with("enc:v1:") && !sealed[0].contains("gsk_live_secret"), "{sealed:?}");
    let db = s._db.connect().await;
    let refused = ProviderStore::new(db.clone(), None).insert(&provider("x", ProviderSource::Api, &[]), &audit()).await;
    assert!(refused.is_ok(), "a provider without a stored key needs no encryption key");
    let mut keyless = provider("y", ProviderSource::Api, &[]);
    keyless.credential = Credential::Stored(ProviderSecret::new("k"));
    assert!(ProviderStore::new(db.clone(), None).insert(&keyless, &audit()).await.is_err(), "never stored in clear");
    assert!(ProviderStore::new(db.clone(), None).list().await.is_err(), "a sealed key needs its key to read");

    s._db.execute("UPDATE providers SET api_key = 'legacy-clear' WHERE name = 'x'").await.unwrap();
    let rotated = ProviderStore::new(db.clone(), None).rotate(Some(&cipher(KEY_ONE)), &cipher(KEY_TWO)).await;
    assert_eq!(rotated.unwrap(), 2, "the sealed key and the one stored in clear before encryption");
    assert!(stored_api_keys(&s).await.iter().all(|k| k.starts_with("enc:v1:")));
    assert!(s.providers.list().await.is_err(), "the old key opens nothing any more");
    let renewed = ProviderStore::new(db.clone(), Some(Arc::new(cipher(KEY_TWO))));
    assert_eq!(renewed.find(&groq.name).await.unwrap().unwrap().credential, groq.credential);
    let wrong = ProviderStore::new(db, None).rotate(Some(&cipher(KEY_ONE)), &cipher(KEY_ONE)).await;
    assert!(wrong.is_err(), "a current key that opens nothing changes nothing");
    assert!(renewed.list().await.is_ok(), "still sealed with the second key");
}

async fn a_taken_provider_name_is_a_provider_name_conflict(backend: Backend) {
    let s = stores(backend).await;
    s.providers.insert(&provider("groq", ProviderSource::Api, &[]), &audit()).await.unwrap();
    let err = s.providers.insert(&provider("groq", ProviderSource::Api, &[]), &audit()).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::ProviderName)), "{err:?}");
}

async fn syncing_configured_providers_keeps_operator_state_and_leaves_api_ones_alone(backend: Backend) {
    let s = stores(backend).await;
    s.providers.insert(&provider("mine", ProviderSource::Api, &["m"]), &audit()).await.unwrap();
    let (a, b) =
        (provider("b-first", ProviderSource::Config, &["x"]), provider("a-second", ProviderSource::Config, &["y"]));
    s.providers.sync_configured(&[a.clone(), b.clone()]).await.unwrap();
    let names = |list: Vec<Provider>| list.into_iter().map(|p| p.name.to_string()).collect::<Vec<_>>();
    assert_eq!(names(s.providers.list().await.unwrap()), ["b-first", "a-second", "mine"]);

    let disabled = Provider { enabled: false, discovered_models: vec!["found".into()], ..a.clone() };
    assert!(s.providers.update(&disabled, &audit()).await.unwrap());
    let edited = Provider { base_url: Some("http://10.0.0.1/v1".into()), ..a.clone() };
    s.providers.sync_configured(&[edited]).await.unwrap();
    let list = s.providers.list().await.unwrap();
    assert_eq!(names(list.clone()), ["b-first", "mine"], "a provider dropped from the file is removed");
    assert_eq!(list[0].base_url.as_deref(), Some("http://10.0.0.1/v1"), "the file's definition wins");
    assert!(!list[0].enabled, "the operator's disable survives");
    assert_eq!(list[0].discovered_models, ["found"]);
    assert_eq!(list[1].source, ProviderSource::Api);
}

fn quota(daily: u64, tokens: u64) -> Quota {
    Quota {
        monthly_requests: Some(1_000),
        monthly_tokens: Some(tokens),
        daily_requests: Some(daily),
        monthly_cost_nanos: None,
    }
}

/// Runs the ledger's writers on the test's runtime.
struct Spawned;

impl Background for Spawned {
    fn spawn(&self, task: futures_util::future::BoxFuture<'static, ()>) {
        tokio::spawn(task);
    }
}

fn admitted(admission: Admission) -> Option<Counters> {
    match admission {
        Admission::Admitted(counters) => Some(counters),
        Admission::Refused(_) => None,
    }
}

async fn concurrent_admissions_never_pass_the_daily_limit(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let period = Period::at(at(13));
    let attempts = (0..40).map(|_| {
        let ledger = s.ledger.clone();
        tokio::spawn(
            async move { ledger.admit(acme.id.into(), &period, &quota(7, 1_000_000), &lease(10)).await.unwrap() },
        )
    });
    let outcomes: Vec<Admission> =
        futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    let mut counts: Vec<u64> = outcomes.iter().filter_map(|a| admitted(*a)).map(|c| c.day_requests).collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2, 3, 4, 5, 6, 7], "exactly the limit was admitted, each with its own count");
    let refused = outcomes.iter().find_map(|a| match a {
        Admission::Refused(counters) => Some(*counters),
        Admission::Admitted(_) => None,
    });
    assert_eq!(
        refused.unwrap(),
        Counters { day_requests: 7, month_requests: 7, month_tokens: 0, month_reserved: 70, month_cost_nanos: 0 }
    );
}

/// A reservation of `tokens` made at `at(13)`, for ten minutes.
fn lease(tokens: u64) -> Reservation {
    Reservation { id: UsageEventId::new(), tokens, expires_at: at(13) + Duration::minutes(10) }
}

/// The record of the request that holds `lease`, which used `tokens`.
fn settlement(lease: &Reservation, tenant_id: TenantId, tokens: u64, period: Period, run: Option<Run>) -> Settlement {
    Settlement {
        event: UsageEvent {
            id: lease.id,
            payer: ares_domain::Payer::Tenant(tenant_id),
            api_key_id: None,
            endpoint: "POST /v1/chat".into(),
            agent: None,
            model: Some("fast".into()),
            provider: Some("groq".into()),
            tokens_in: tokens / 2,
            tokens_out: tokens - tokens / 2,
            estimated: false,
            latency_ms: 12,
            status: 200,
            cost_nanos: tokens * 50,
            at: at(13),
        },
        reserved: lease.tokens,
        admitted_in: period,
        run,
        turn: None,
    }
}

async fn token_reservations_must_fit_and_settlement_releases_them(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let (period, limits) = (Period::at(at(13)), quota(100, 100));
    let first = lease(40);
    assert!(admitted(s.ledger.admit(acme.id.into(), &period, &limits, &first).await.unwrap()).is_some());
    assert!(
        admitted(s.ledger.admit(acme.id.into(), &period, &limits, &lease(60)).await.unwrap()).is_some(),
        "at the limit"
    );
    assert!(admitted(s.ledger.admit(acme.id.into(), &period, &limits, &lease(1)).await.unwrap()).is_none());
    s.ledger.settle(&settlement(&first, acme.id, 10, period, None)).await.unwrap();
    let after = s.ledger.month(acme.id.into(), &period).await.unwrap().counters;
    assert_eq!((after.month_tokens, after.month_reserved), (10, 60));
    let counters = admitted(s.ledger.admit(acme.id.into(), &period, &limits, &lease(30)).await.unwrap()).unwrap();
    assert_eq!((counters.month_tokens, counters.month_reserved, counters.month_requests), (10, 90, 3));
}

async fn further_reservations_count_no_request_and_settlement_releases_them_all(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let (period, limits) = (Period::at(at(13)), quota(1, 100));
    let held = lease(40);
    assert!(admitted(s.ledger.admit(acme.id.into(), &period, &limits, &held).await.unwrap()).is_some());
    let more = admitted(
        s.ledger.reserve(acme.id.into(), &period, &limits, &Reservation { tokens: 60, ..held }).await.unwrap(),
    );
    assert_eq!(more.map(|c| (c.day_requests, c.month_reserved)), Some((1, 100)), "the daily limit of 1 still holds");
    let past = s.ledger.reserve(acme.id.into(), &period, &limits, &Reservation { tokens: 1, ..held }).await.unwrap();
    assert!(admitted(past).is_none(), "past the tokens");
    s.ledger.settle(&settlement(&Reservation { tokens: 100, ..held }, acme.id, 70, period, None)).await.unwrap();
    let after = s.ledger.month(acme.id.into(), &period).await.unwrap().counters;
    assert_eq!((after.month_tokens, after.month_reserved, after.month_requests), (70, 0, 1));
}

async fn a_settlement_written_twice_counts_once(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let period = Period::at(at(13));
    let held = lease(50);
    assert!(admitted(s.ledger.admit(acme.id.into(), &period, &quota(100, 1_000), &held).await.unwrap()).is_some());
    let once = settlement(&held, acme.id, 10, period, None);
    s.ledger.settle(&once).await.unwrap();
    s.ledger.settle(&once).await.unwrap();
    let month = s.ledger.month(acme.id.into(), &period).await.unwrap();
    assert_eq!((month.counters.month_tokens, month.counters.month_reserved), (10, 0));
    assert_eq!(month.daily[0].api_calls, 1);
}

async fn expired_reservations_are_released_once_and_never_after_their_settlement(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let (period, limits) = (Period::at(at(13)), quota(100, 1_000));
    let (settled, crashed, late) = (lease(100), lease(200), lease(50));
    for held in [&settled, &crashed, &late] {
        assert!(admitted(s.ledger.admit(acme.id.into(), &period, &limits, held).await.unwrap()).is_some());
    }
    s.ledger.settle(&settlement(&settled, acme.id, 10, period, None)).await.unwrap();
    assert_eq!(s.ledger.expire(at(13) + Duration::minutes(5), None).await.unwrap(), 0, "none expired yet");
    let reserved = || async { s.ledger.month(acme.id.into(), &period).await.unwrap().counters.month_reserved };
    assert_eq!(reserved().await, 250);
    assert_eq!(s.ledger.expire(at(13) + Duration::minutes(11), Some(acme.id.into())).await.unwrap(), 250);
    assert_eq!(reserved().await, 0, "what the crashed requests held is free again");
    s.ledger.settle(&settlement(&late, acme.id, 20, period, None)).await.unwrap();
    let month = s.ledger.month(acme.id.into(), &period).await.unwrap();
    assert_eq!((month.counters.month_tokens, month.counters.month_reserved), (30, 0), "released once, not again");
    assert_eq!(s.ledger.expire(at(13) + Duration::days(1), None).await.unwrap(), 0);
    let full = lease(970);
    assert!(
        admitted(s.ledger.admit(acme.id.into(), &period, &limits, &full).await.unwrap()).is_some(),
        "30 used, 970 left"
    );
}

async fn two_instances_release_an_expired_reservation_exactly_once(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let period = Period::at(at(13));
    for _ in 0..20 {
        s.ledger.admit(acme.id.into(), &period, &quota(100, 1_000_000), &lease(25)).await.unwrap();
    }
    let other = s.other_instance().await;
    let later = at(13) + Duration::minutes(11);
    let (one, two) = tokio::join!(s.ledger.expire(later, None), other.expire(later, Some(acme.id.into())));
    assert_eq!(one.unwrap() + two.unwrap(), 500, "every token released once, by whichever instance got it");
    assert_eq!(s.ledger.month(acme.id.into(), &period).await.unwrap().counters.month_reserved, 0);
}

async fn a_new_day_and_a_new_month_start_from_zero(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    let limits = quota(2, 1_000);
    for _ in 0..2 {
        assert!(
            admitted(s.ledger.admit(acme.id.into(), &Period::at(at(13)), &limits, &lease(5)).await.unwrap()).is_some()
        );
    }
    assert!(admitted(s.ledger.admit(acme.id.into(), &Period::at(at(13)), &limits, &lease(5)).await.unwrap()).is_none());
    let next_day =
        admitted(s.ledger.admit(acme.id.into(), &Period::at(at(14)), &limits, &lease(5)).await.unwrap()).unwrap();
    assert_eq!((next_day.day_requests, next_day.month_requests, next_day.month_reserved), (1, 3, 15));
    let april = Period::at(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    let next_month = admitted(s.ledger.admit(acme.id.into(), &april, &limits, &lease(5)).await.unwrap()).unwrap();
    assert_eq!(
        next_month,
        Counters { day_requests: 1, month_requests: 1, month_tokens: 0, month_reserved: 5, month_cost_nanos: 0 }
    );
}

async fn settlement_records_the_event_the_run_and_the_day(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    s.agents.insert(&agent(acme.id, "risk"), &audit()).await.unwrap();
    let period = Period::at(at(13));
    for tokens in [30, 12] {
        let held = lease(50);
        s.ledger.admit(acme.id.into(), &period, &quota(100, 1_000), &held).await.unwrap();
        let run = run(acme.id, "risk", RunStatus::Completed, (tokens / 2, tokens - tokens / 2));
        s.ledger.settle(&settlement(&held, acme.id, tokens, period, Some(run))).await.unwrap();
    }
    let nothing = lease(0);
    s.ledger.admit(acme.id.into(), &period, &quota(100, 1_000), &nothing).await.unwrap();
    let mut plain = settlement(&nothing, acme.id, 0, period, None);
    plain.event.provider = None; // no provider called (a 503 before any model): not a run
    s.ledger.settle(&plain).await.unwrap();
    let month = s.ledger.month(acme.id.into(), &period).await.unwrap();
    assert_eq!(
        month.counters,
        Counters { day_requests: 3, month_requests: 3, month_tokens: 42, month_reserved: 0, month_cost_nanos: 2_100 }
    );
    assert_eq!(month.runs, 2);
    assert_eq!(month.daily.len(), 1);
    assert_eq!(
        (month.daily[0].date.to_string(), month.daily[0].api_calls, month.daily[0].runs, month.daily[0].tokens),
        ("2026-03-13".into(), 3, 2, 42)
    );
    let other = s.ledger.month(TenantId::new().into(), &period).await.unwrap();
    assert_eq!((other.counters, other.runs, other.daily.len()), (Counters::default(), 0, 0));
}

async fn keys_are_found_by_hash_with_their_tier_revoked_per_tenant_and_touched_in_batches(backend: Backend) {
    let s = stores(backend).await;
    let (acme, globex) = (tenant("acme-corp"), tenant("globex"));
    s.tenants.insert(&acme, &audit()).await.unwrap();
    s.tenants.insert(&globex, &audit()).await.unwrap();
    let stored = key(acme.id, KEY_A);
    s.keys.insert(&stored, 100, &audit()).await.unwrap();
    let (found, tier) = s.keys.find_by_hash(&stored.hash).await.unwrap().unwrap();
    assert_eq!((found.id, tier), (stored.id, Tier::Pro));
    assert!(s.keys.find_by_hash(&RawApiKey::from_random(KEY_B).unwrap().hash()).await.unwrap().is_none());
    assert!(!s.keys.revoke(globex.id, stored.id, &audit()).await.unwrap(), "another tenant cannot revoke it");
    s.keys.record_last_used(&[(stored.id, at(14))]).await.unwrap();
    assert!(s.keys.revoke(acme.id, stored.id, &audit()).await.unwrap());
    assert!(!s.keys.revoke(acme.id, stored.id, &audit()).await.unwrap(), "a revoked key is not revoked twice");
    let (found, _) = s.keys.find_by_hash(&stored.hash).await.unwrap().unwrap();
    assert_eq!((found.revoked, found.last_used), (true, Some(at(14))));
}

async fn runs_are_paged_newest_first_per_agent(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme, &audit()).await.unwrap();
    for day in 1..=5 {
        let mut r = run(acme.id, "risk", RunStatus::Completed, (1, 1));
        r.started_at = at(day);
        s.runs.insert(&r).await.unwrap();
    }
    s.runs.insert(&run(acme.id, "other", RunStatus::Failed, (0, 0))).await.unwrap();
    let risk = AgentName::parse("risk").unwrap();
    let (page, total) = s.runs.page(acme.id, &risk, 1, 2).await.unwrap();
    assert_eq!(total, 5);
    assert_eq!(page.iter().map(|r| r.started_at).collect::<Vec<_>>(), [at(4), at(3)]);
    assert_eq!(page[0].output, Some(json!({"text": "hello"})));
    let (none, total) = s.runs.page(TenantId::new(), &risk, 0, 10).await.unwrap();
    assert_eq!((none.len(), total), (0, 0));
}

async fn concurrent_settlements_are_all_counted(backend: Backend) {
    let s = stores(backend).await;
    let (acme, globex) = (tenant("acme-corp"), tenant("globex"));
    s.tenants.insert(&acme, &audit()).await.unwrap();
    s.tenants.insert(&globex, &audit()).await.unwrap();
    s.agents.insert(&agent(acme.id, "risk"), &audit()).await.unwrap();
    let period = Period::at(at(13));
    let mut held = vec![];
    for i in 0..60 {
        let tenant_id = if i % 2 == 0 { acme.id } else { globex.id };
        held.push((tenant_id, lease(100)));
        s.ledger.admit(tenant_id.into(), &period, &quota(1_000, 1_000_000), &held[i].1).await.unwrap();
    }
    let settlements = held.into_iter().enumerate().map(|(i, (tenant_id, held))| {
        let ledger = s.ledger.clone();
        let run = (i % 4 == 0).then(|| run(acme.id, "risk", RunStatus::Completed, (5, 5)));
        tokio::spawn(async move { ledger.settle(&settlement(&held, tenant_id, 10, period, run)).await.unwrap() })
    });
    for settled in futures_util::future::join_all(settlements).await {
        settled.unwrap();
    }
    for id in [acme.id, globex.id] {
        let month = s.ledger.month(id.into(), &period).await.unwrap();
        assert_eq!((month.counters.month_tokens, month.counters.month_reserved), (300, 0), "every event counted once");
        assert_eq!((month.daily[0].api_calls, month.daily[0].tokens, month.runs), (30, 300, 30));
    }
}

async fn each_change_writes_its_audit_entry_in_its_own_transaction(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    let created = AuditEntry::new(&Actor::Admin, "tenant.created", at(13)).tenant(acme.id).detail("tier", "pro");
    s.tenants.insert(&acme, &created).await.unwrap();
    let failed = AuditEntry::new(&Actor::Admin, "tenant.created", at(13)).detail("attempt", 2);
    assert!(s.tenants.insert(&tenant("acme-corp"), &failed).await.is_err());
    let missing = AuditEntry::new(&Actor::Admin, "agent.deleted", at(13));
    assert!(!s.agents.delete(acme.id, &AgentName::parse("ghost").unwrap(), &missing).await.unwrap());
    let revoked = AuditEntry::new(&Actor::Key("ares_a1b2".into()), "api_key.revoked", at(14));
    assert!(!s.keys.revoke(acme.id, key(acme.id, KEY_A).id, &revoked).await.unwrap());
    let entries = s.audit.list(&AuditFilter { limit: 50, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(entries, [created], "only the change that happened is in the log");
}

async fn the_audit_log_is_filtered_and_paged_newest_first(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &AuditEntry::new(&Actor::Admin, "tenant.created", at(13)).tenant(a.id)).await.unwrap();
    s.tenants.insert(&b, &AuditEntry::new(&Actor::Admin, "tenant.created", at(14)).tenant(b.id)).await.unwrap();
    let by_key = AuditEntry::new(&Actor::Key("ares_a1b2".into()), "api_key.created", at(15)).tenant(a.id);
    assert!(s.keys.insert(&key(a.id, KEY_A), 100, &by_key).await.unwrap());
    let all = |filter: AuditFilter| {
        let audit = s.audit.clone();
        async move { audit.list(&AuditFilter { limit: 50, ..filter }).await.unwrap() }
    };
    let actions = |entries: Vec<AuditEntry>| entries.into_iter().map(|e| (e.action, e.actor)).collect::<Vec<_>>();
    let newest_first = all(AuditFilter::default()).await;
    assert_eq!(newest_first.len(), 3);
    assert_eq!(newest_first[0].action, "api_key.created");
    assert_eq!(all(AuditFilter { tenant_id: Some(a.id), ..AuditFilter::default() }).await.len(), 2);
    assert_eq!(
        actions(all(AuditFilter { actor: Some("ares_a1b2".into()), ..AuditFilter::default() }).await),
        [("api_key.created".to_owned(), "ares_a1b2".to_owned())]
    );
    assert_eq!(all(AuditFilter { action: Some("tenant.created".into()), ..AuditFilter::default() }).await.len(), 2);
    let first_page = s.audit.list(&AuditFilter { limit: 2, ..AuditFilter::default() }).await.unwrap();
    let next = all(AuditFilter { before: Some(first_page[1].id), ..AuditFilter::default() }).await;
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].tenant_id, Some(a.id));
    assert!(
        all(AuditFilter { before: Some(ares_domain::AuditEntryId::new()), ..AuditFilter::default() }).await.is_empty()
    );
}

fn quota_alert(key: &str) -> NewAlert {
    NewAlert {
        key: key.into(),
        severity: Severity::Critical,
        kind: "quota",
        message: "Tenant acme-corp approaching token quota (92%)".into(),
        tenant_id: None,
    }
}

async fn an_alert_is_raised_once_per_key_however_many_try_at_once(backend: Backend) {
    let s = stores(backend).await;
    let other = AlertStore::new(s._db.connect().await);
    let attempts = (0..20).map(|i| {
        let alerts = if i % 2 == 0 { s.alerts.clone() } else { other.clone() };
        tokio::spawn(async move { alerts.raise(&quota_alert("quota:x:tokens:90:2026-03"), at(13)).await.unwrap() })
    });
    let raised: Vec<_> = futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(raised.iter().filter(|r| r.is_some()).count(), 1, "exactly one of twenty raised it");
    assert!(s.alerts.raise(&quota_alert("quota:x:tokens:90:2026-04"), at(13)).await.unwrap().is_some(), "a new period");
    assert_eq!(s.alerts.count_open().await.unwrap(), 2);
}

async fn alerts_are_listed_by_severity_and_state_and_resolved_once(backend: Backend) {
    let s = stores(backend).await;
    let critical = s.alerts.raise(&quota_alert("a"), at(13)).await.unwrap().unwrap();
    let warning = NewAlert { severity: Severity::Warning, ..quota_alert("b") };
    let warning = s.alerts.raise(&warning, at(14)).await.unwrap().unwrap();
    let list = |severity, resolved| {
        let alerts = s.alerts.clone();
        async move { alerts.list(&AlertFilter { severity, resolved, limit: 100 }).await.unwrap() }
    };
    assert_eq!(list(None, None).await, [warning.clone(), critical.clone()], "newest first");
    assert_eq!(list(Some(Severity::Critical), None).await, std::slice::from_ref(&critical));
    let resolving = AuditEntry::new(&Actor::Admin, "alert.resolved", at(15));
    let resolved = s.alerts.resolve(critical.id, at(15), &resolving).await.unwrap().unwrap();
    assert_eq!((resolved.resolved, resolved.resolved_at), (true, Some(at(15))));
    let later = AuditEntry::new(&Actor::Admin, "alert.resolved", at(16));
    let again = s.alerts.resolve(critical.id, at(16), &later).await.unwrap().unwrap();
    assert_eq!(again.resolved_at, Some(at(15)), "resolved once");
    assert_eq!(list(None, Some(false)).await, [warning]);
    assert_eq!(list(None, Some(true)).await, [resolved]);
    assert_eq!(s.alerts.count_open().await.unwrap(), 1);
    let entries = s.audit.list(&AuditFilter { limit: 10, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(entries, [resolving], "one entry for the one change");
    let nothing = AuditEntry::new(&Actor::Admin, "alert.resolved", at(15));
    assert!(s.alerts.resolve(ares_domain::AlertId::new(), at(15), &nothing).await.unwrap().is_none());
}

async fn run_stats_add_up_an_agents_runs(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    let risk = AgentName::parse("risk").unwrap();
    s.runs.insert(&run(a.id, "risk", RunStatus::Completed, (100, 50))).await.unwrap();
    s.runs
        .insert(&Run { duration_ms: Some(36), started_at: at(14), ..run(a.id, "risk", RunStatus::Failed, (10, 0)) })
        .await
        .unwrap();
    s.runs.insert(&run(a.id, "other", RunStatus::Completed, (1, 1))).await.unwrap();
    s.runs.insert(&run(b.id, "risk", RunStatus::Completed, (9_999, 1))).await.unwrap();
    let stats = s.runs.stats(a.id, &risk).await.unwrap();
    assert_eq!((stats.total, stats.successful, stats.failed), (2, 1, 1));
    assert!((stats.avg_duration_ms - 24.0).abs() < 1e-9 && (stats.avg_tokens - 80.0).abs() < 1e-9, "{stats:?}");
    assert_eq!(stats.last_run, Some(at(14)));
    assert!((stats.success_rate() - 0.5).abs() < 1e-9);
    let none = s.runs.stats(a.id, &AgentName::parse("ghost").unwrap()).await.unwrap();
    assert_eq!((none.total, none.last_run), (0, None));
}

async fn daily_and_platform_usage_add_up_settled_events_with_their_cost(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    for (tenant_id, day, tokens) in [(a.id, 12, 10), (a.id, 13, 30), (a.id, 13, 12), (b.id, 13, 100)] {
        let period = Period::at(at(day));
        let held = lease(0);
        s.ledger.admit(tenant_id.into(), &period, &quota(100, 1_000), &held).await.unwrap();
        let mut settled = settlement(&held, tenant_id, tokens, period, None);
        settled.event.at = at(day);
        s.ledger.settle(&settled).await.unwrap();
    }
    let day = |d: u32| at(d).date_naive();
    let days = s.ledger.days(a.id.into(), day(1), day(13)).await.unwrap();
    let figures: Vec<_> = days.iter().map(|d| (d.date, d.api_calls, d.tokens, d.cost_nanos)).collect();
    assert_eq!(figures, [(day(13), 2, 42, 2_100), (day(12), 1, 10, 500)], "newest first, only days with usage");
    assert!(s.ledger.days(a.id.into(), day(1), day(11)).await.unwrap().is_empty());
    let today = s.ledger.platform_day(day(13)).await.unwrap();
    assert_eq!((today.api_calls, today.runs, today.tokens, today.cost_nanos), (3, 3, 142, 7_100));
    let month = s.ledger.month(a.id.into(), &Period::at(at(13))).await.unwrap();
    assert_eq!((month.cost_nanos, month.counters.month_cost_nanos), (2_600, 2_600));
}

async fn every_tenants_agents_are_paged_with_their_tenant_name(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.provision(&b, &[agent(b.id, "one")], &key(b.id, KEY_B), &audit()).await.unwrap();
    s.tenants.provision(&a, &[agent(a.id, "two"), agent(a.id, "one")], &key(a.id, KEY_A), &audit()).await.unwrap();
    let (page, total) = s.agents.page_all(Page::parse(Some(1), Some(2)).unwrap()).await.unwrap();
    let names: Vec<_> = page.iter().map(|(agent, tenant)| (tenant.to_string(), agent.name.to_string())).collect();
    assert_eq!(names, [("a-corp".to_owned(), "one".to_owned()), ("a-corp".to_owned(), "two".to_owned())]);
    assert_eq!(total, 3);
    assert_eq!(s.agents.count_all().await.unwrap(), 3);
    let (second, _) = s.agents.page_all(Page::parse(Some(2), Some(2)).unwrap()).await.unwrap();
    assert_eq!(second[0].1.to_string(), "b-corp");
}

async fn usage_adds_up_by_time_bucket_and_by_dimension_the_same_on_both_backends(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a, &audit()).await.unwrap();
    s.tenants.insert(&b, &audit()).await.unwrap();
    let minute = |m: i64| at(13) + Duration::minutes(m);
    // (tenant, minutes after 12:00 on the 13th, tokens, model, status)
    let events = [
        (a.id, 0, 10, "fast", 200),
        (a.id, 59, 20, "fast", 200),
        (a.id, 60, 30, "smart", 502),
        (b.id, 61, 40, "fast", 200),
        (b.id, 24 * 60, 50, "fast", 200),
    ];
    for (tenant_id, minutes, tokens, model, status) in events {
        let period = Period::at(minute(minutes));
        let held = lease(0);
        s.ledger.admit(tenant_id.into(), &period, &quota(100, 1_000), &held).await.unwrap();
        let mut settled = settlement(&held, tenant_id, tokens, period, None);
        settled.event.at = minute(minutes);
        settled.event.model = Some(model.into());
        settled.event.status = status;
        settled.event.latency_ms = tokens;
        s.ledger.settle(&settled).await.unwrap();
    }
    let analytics = AnalyticsStore::new(s._db.connect().await);
    let range = |filter| UsageRange { from: at(13), to: at(14), filter };
    let hourly = analytics.timeseries(&range(UsageFilter::default()), Bucket::HOUR, None, 100).await.unwrap();
    let figures: Vec<_> = hourly.iter().map(|p| (p.start, p.figures.requests, p.figures.failures)).collect();
    assert_eq!(figures, [(at(13), 2, 0), (minute(60), 2, 1)], "the next day's event is out of the range");
    assert_eq!(hourly[1].figures.tokens_in + hourly[1].figures.tokens_out, 70);
    assert_eq!(hourly[1].figures.cost_nanos, 70 * 50);

    let by_model = analytics.timeseries(&range(UsageFilter::default()), Bucket::DAY, Some(Dimension::Model), 100).await;
    let groups: Vec<_> = by_model.unwrap().iter().map(|p| (p.group.clone().unwrap().key, p.figures.requests)).collect();
    assert_eq!(groups, [("fast".to_owned(), 3), ("smart".to_owned(), 1)]);

    let by_tenant = analytics.breakdown(&range(UsageFilter::default()), Dimension::Tenant, 10).await.unwrap();
    let rows: Vec<_> = by_tenant
        .iter()
        .map(|r| (r.group.label.clone().unwrap(), r.figures.requests, r.figures.cost_nanos, r.figures.latency_ms))
        .collect();
    assert_eq!(rows, [("a-corp".to_owned(), 3, 60 * 50, 60), ("b-corp".to_owned(), 1, 40 * 50, 40)], "costliest first");
    assert_eq!(by_tenant[0].group.key, a.id.to_string());

    let failed = UsageFilter { status: Some(502), ..UsageFilter::default() };
    let by_status = analytics.breakdown(&range(failed), Dimension::Status, 10).await.unwrap();
    assert_eq!((by_status.len(), by_status[0].group.key.as_str(), by_status[0].figures.requests), (1, "502", 1));
    let only_b = UsageFilter { tenant_id: Some(b.id), model: Some("fast".into()), ..UsageFilter::default() };
    let b_rows = analytics.breakdown(&range(only_b), Dimension::Model, 10).await.unwrap();
    assert_eq!(b_rows.iter().map(|r| r.figures.requests).collect::<Vec<_>>(), [1]);
    let one = analytics.breakdown(&range(UsageFilter::default()), Dimension::Tenant, 1).await.unwrap();
    assert_eq!(one.len(), 1);
}
