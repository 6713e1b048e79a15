//! The repository contract: every repository, against real PostgreSQL and real SQLite, each test on a database
//! of its own. The same test body runs on both backends.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use ares_application::ports::{
    AgentRepository, ApiKeyRepository, Conflict, ProviderRepository, RepoError, RunRepository, TemplateRepository,
    TenantRepository,
};
use ares_domain::{
    Agent, AgentConfig, AgentName, AgentTemplate, AgentType, ApiKey, Credential, ModelSpec, ModelTier, NetworkConfig,
    ProductType, Provider, ProviderKind, ProviderLimits, ProviderName, ProviderSecret, ProviderSource, RawApiKey, Run,
    RunId, RunStatus, Tenant, TenantId, TenantName, Tier,
};
use ares_store::testing::TestDb;
use ares_store::{AgentStore, ApiKeyStore, Backend, ProviderStore, RunStore, TemplateStore, TenantStore};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(ares_store::Backend::Postgres).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(ares_store::Backend::Sqlite).await;
                }
            )*
        }
    };
}

contract!(
    tenant_round_trips_through_the_store,
    a_taken_tenant_name_is_a_tenant_name_conflict,
    provision_writes_tenant_agents_and_key_together,
    provision_rolls_back_when_the_key_fails_after_the_agents_are_cloned,
    tenant_list_counts_each_tenants_agents,
    tenant_stats_sum_runs_and_tokens_and_count_live_keys,
    set_tier_updates_the_tenant_and_misses_unknown_ones,
    agent_names_are_unique_per_tenant_only,
    agents_of_one_tenant_are_invisible_to_another,
    agent_update_replaces_fields_and_refuses_a_colliding_rename,
    agent_list_carries_run_figures,
    api_keys_are_listed_per_tenant_without_their_secret,
    templates_are_replaced_exactly_and_idempotently,
    providers_round_trip_with_their_models_network_and_credentials,
    a_taken_provider_name_is_a_provider_name_conflict,
    syncing_configured_providers_keeps_operator_state_and_leaves_api_ones_alone,
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
        providers: ProviderStore::new(db),
        _db: test_db,
    }
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
    }
}

const KEY_A: &str = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0";
const KEY_B: &str = "b1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0";

async fn tenant_round_trips_through_the_store(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme).await.unwrap();
    assert_eq!(s.tenants.find(acme.id).await.unwrap(), Some(acme));
    assert_eq!(s.tenants.find(TenantId::new()).await.unwrap(), None);
}

async fn a_taken_tenant_name_is_a_tenant_name_conflict(backend: Backend) {
    let s = stores(backend).await;
    s.tenants.insert(&tenant("acme-corp")).await.unwrap();
    let err = s.tenants.insert(&tenant("acme-corp")).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::TenantName)), "{err:?}");
    let err = s.tenants.provision(&tenant("acme-corp"), &[], &key(TenantId::new(), KEY_A)).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::TenantName)), "{err:?}");
}

async fn provision_writes_tenant_agents_and_key_together(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    let agents = [agent(acme.id, "kasino-classifier"), agent(acme.id, "kasino-risk")];
    let first_key = key(acme.id, KEY_A);
    s.tenants.provision(&acme, &agents, &first_key).await.unwrap();
    assert_eq!(s.tenants.find(acme.id).await.unwrap(), Some(acme.clone()));
    let stored: Vec<_> = s.agents.list(acme.id).await.unwrap().into_iter().map(|a| a.agent).collect();
    assert_eq!(stored, agents);
    assert_eq!(s.keys.list(acme.id).await.unwrap(), vec![first_key]);
}

async fn provision_rolls_back_when_the_key_fails_after_the_agents_are_cloned(backend: Backend) {
    let s = stores(backend).await;
    let existing = tenant("existing");
    s.tenants.provision(&existing, &[], &key(existing.id, KEY_A)).await.unwrap();
    // The new tenant's key collides with a stored hash: the key insert, which runs after the tenant and its
    // agents are written, fails.
    let acme = tenant("acme-corp");
    let agents = [agent(acme.id, "kasino-classifier"), agent(acme.id, "kasino-risk")];
    let err = s.tenants.provision(&acme, &agents, &key(acme.id, KEY_A)).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::Other)), "{err:?}");
    assert_eq!(s.tenants.find(acme.id).await.unwrap(), None);
    assert!(s.agents.list(acme.id).await.unwrap().is_empty());
    assert!(s.keys.list(acme.id).await.unwrap().is_empty());
    let names: Vec<_> = s.tenants.list().await.unwrap().into_iter().map(|l| l.tenant.name.to_string()).collect();
    assert_eq!(names, ["existing"]);
    // And the name is free again.
    s.tenants.provision(&acme, &agents, &key(acme.id, KEY_B)).await.unwrap();
}

async fn tenant_list_counts_each_tenants_agents(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.provision(&a, &[agent(a.id, "one"), agent(a.id, "two")], &key(a.id, KEY_A)).await.unwrap();
    s.tenants.insert(&b).await.unwrap();
    let counts: Vec<_> =
        s.tenants.list().await.unwrap().into_iter().map(|l| (l.tenant.name.to_string(), l.agent_count)).collect();
    assert_eq!(counts, [("a-corp".to_owned(), 2), ("b-corp".to_owned(), 0)]);
}

async fn tenant_stats_sum_runs_and_tokens_and_count_live_keys(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.provision(&a, &[agent(a.id, "one")], &key(a.id, KEY_A)).await.unwrap();
    s.tenants.insert(&b).await.unwrap();
    s.keys.insert(&ApiKey { revoked: true, ..key(a.id, KEY_B) }).await.unwrap();
    s.runs.insert(&run(a.id, "one", RunStatus::Completed, (100, 50))).await.unwrap();
    s.runs.insert(&run(a.id, "one", RunStatus::Failed, (7, 0))).await.unwrap();
    s.runs.insert(&run(b.id, "x", RunStatus::Completed, (1_000, 1_000))).await.unwrap();
    let stats = s.tenants.stats(a.id).await.unwrap();
    assert_eq!((stats.agent_count, stats.api_key_count, stats.total_runs, stats.total_tokens), (1, 1, 2, 157));
    let empty = s.tenants.stats(TenantId::new()).await.unwrap();
    assert_eq!(empty.total_tokens, 0);
}

async fn set_tier_updates_the_tenant_and_misses_unknown_ones(backend: Backend) {
    let s = stores(backend).await;
    let acme = tenant("acme-corp");
    s.tenants.insert(&acme).await.unwrap();
    let updated = s.tenants.set_tier(acme.id, Tier::Enterprise, at(14)).await.unwrap().unwrap();
    assert_eq!((updated.tier, updated.updated_at, updated.created_at), (Tier::Enterprise, at(14), at(13)));
    assert_eq!(s.tenants.find(acme.id).await.unwrap().unwrap().tier, Tier::Enterprise);
    assert_eq!(s.tenants.set_tier(TenantId::new(), Tier::Free, at(14)).await.unwrap(), None);
}

async fn agent_names_are_unique_per_tenant_only(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a).await.unwrap();
    s.tenants.insert(&b).await.unwrap();
    s.agents.insert(&agent(a.id, "risk")).await.unwrap();
    let err = s.agents.insert(&agent(a.id, "risk")).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::AgentName)), "{err:?}");
    s.agents.insert(&agent(b.id, "risk")).await.unwrap();
    // Names are case-sensitive.
    s.agents.insert(&agent(a.id, "Risk")).await.unwrap();
}

async fn agents_of_one_tenant_are_invisible_to_another(backend: Backend) {
    let s = stores(backend).await;
    let (a, b) = (tenant("a-corp"), tenant("b-corp"));
    s.tenants.insert(&a).await.unwrap();
    s.tenants.insert(&b).await.unwrap();
    let secret = agent(a.id, "secret");
    s.agents.insert(&secret).await.unwrap();
    let name = AgentName::parse("secret").unwrap();
    assert_eq!(s.agents.find(b.id, &name).await.unwrap(), None);
    assert!(s.agents.list(b.id).await.unwrap().is_empty());
    assert!(!s.agents.delete(b.id, &name).await.unwrap());
    let hijack = Agent { tenant_id: b.id, ..secret.clone() };
    assert!(!s.agents.update(&hijack).await.unwrap());
    assert_eq!(s.agents.find(a.id, &name).await.unwrap(), Some(secret));
    assert!(s.agents.delete(a.id, &name).await.unwrap());
    assert_eq!(s.agents.find(a.id, &name).await.unwrap(), None);
}

async fn agent_update_replaces_fields_and_refuses_a_colliding_rename(backend: Backend) {
    let s = stores(backend).await;
    let a = tenant("a-corp");
    s.tenants.insert(&a).await.unwrap();
    let one = agent(a.id, "one");
    s.agents.insert(&one).await.unwrap();
    s.agents.insert(&agent(a.id, "two")).await.unwrap();
    let changed = Agent { config: config("powerful"), updated_at: at(15), ..one.clone() };
    assert!(s.agents.update(&changed).await.unwrap());
    assert_eq!(s.agents.find(a.id, &one.name).await.unwrap(), Some(changed.clone()));
    let collide = Agent { name: AgentName::parse("two").unwrap(), ..changed };
    let err = s.agents.update(&collide).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::AgentName)), "{err:?}");
}

async fn agent_list_carries_run_figures(backend: Backend) {
    let s = stores(backend).await;
    let a = tenant("a-corp");
    s.tenants.insert(&a).await.unwrap();
    s.agents.insert(&agent(a.id, "busy")).await.unwrap();
    s.agents.insert(&agent(a.id, "idle")).await.unwrap();
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
    s.tenants.insert(&a).await.unwrap();
    s.tenants.insert(&b).await.unwrap();
    let first = key(a.id, KEY_A);
    let second = ApiKey { created_at: at(14), expires_at: None, ..key(a.id, KEY_B) };
    s.keys.insert(&second).await.unwrap();
    s.keys.insert(&first).await.unwrap();
    assert_eq!(s.keys.list(a.id).await.unwrap(), vec![first.clone(), second]);
    assert!(s.keys.list(b.id).await.unwrap().is_empty());
    assert_ne!(first.hash.as_ref(), format!("ares_{KEY_A}"));
    let err = s.keys.insert(&ApiKey { id: ares_domain::ApiKeyId::new(), ..first }).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::Other)), "{err:?}");
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
    s.tenants.insert(&a).await.unwrap();
    let expiring = ApiKey { expires_at: Some(at(13) + Duration::days(30)), ..key(a.id, KEY_A) };
    s.keys.insert(&expiring).await.unwrap();
    assert_eq!(s.keys.list(a.id).await.unwrap()[0].expires_at, expiring.expires_at);
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
    s.providers.insert(&stored_key).await.unwrap();
    let name = stored_key.name.clone();
    assert_eq!(s.providers.find(&name).await.unwrap(), Some(stored_key.clone()));
    let updated = Provider { enabled: false, credential: Credential::None, base_url: None, ..stored_key };
    assert!(s.providers.update(&updated).await.unwrap());
    assert_eq!(s.providers.find(&name).await.unwrap(), Some(updated));
    assert!(s.providers.delete(&name).await.unwrap());
    assert!(!s.providers.delete(&name).await.unwrap());
    assert!(!s.providers.update(&provider("mine", ProviderSource::Api, &[])).await.unwrap());
}

async fn a_taken_provider_name_is_a_provider_name_conflict(backend: Backend) {
    let s = stores(backend).await;
    s.providers.insert(&provider("groq", ProviderSource::Api, &[])).await.unwrap();
    let err = s.providers.insert(&provider("groq", ProviderSource::Api, &[])).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::ProviderName)), "{err:?}");
}

async fn syncing_configured_providers_keeps_operator_state_and_leaves_api_ones_alone(backend: Backend) {
    let s = stores(backend).await;
    s.providers.insert(&provider("mine", ProviderSource::Api, &["m"])).await.unwrap();
    let (a, b) =
        (provider("b-first", ProviderSource::Config, &["x"]), provider("a-second", ProviderSource::Config, &["y"]));
    s.providers.sync_configured(&[a.clone(), b.clone()]).await.unwrap();
    let names = |list: Vec<Provider>| list.into_iter().map(|p| p.name.to_string()).collect::<Vec<_>>();
    assert_eq!(names(s.providers.list().await.unwrap()), ["b-first", "a-second", "mine"]);

    let disabled = Provider { enabled: false, discovered_models: vec!["found".into()], ..a.clone() };
    assert!(s.providers.update(&disabled).await.unwrap());
    let edited = Provider { base_url: Some("http://10.0.0.1/v1".into()), ..a.clone() };
    s.providers.sync_configured(&[edited]).await.unwrap();
    let list = s.providers.list().await.unwrap();
    assert_eq!(names(list.clone()), ["b-first", "mine"], "a provider dropped from the file is removed");
    assert_eq!(list[0].base_url.as_deref(), Some("http://10.0.0.1/v1"), "the file's definition wins");
    assert!(!list[0].enabled, "the operator's disable survives");
    assert_eq!(list[0].discovered_models, ["found"]);
    assert_eq!(list[1].source, ProviderSource::Api);
}
