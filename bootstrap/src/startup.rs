//! Wiring: the store, the model router and its providers, the tools, the use cases and the HTTP server, built from the
//! settings.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::web;
use ares_application::keys::RandomKeyGenerator;
use ares_application::ports::{Background, Clock, Timer};
use ares_application::usecases::{
    AccountPolicy, AccountPorts, Accounts, AgentDirectory, AgentRunner, Agents, AlertWatch, Alerts, Analytics, ApiKeys,
    AuditTrail, Authenticator, ChatPorts, ChatService, Conversations, ExtractionPorts, ExtractionSettings,
    MemoryExtractor, MeteredPath, Metering, ModelRouter, PlatformAgents, Providers, Provisioning, ReportSources,
    Reports, Templates, Tenants, ThrottlePolicy, ToolCatalog, ToolCoordinator, UserAgents, Users, WatchPorts,
};
use ares_auth::{BcryptHasher, JwtIssuer};
use ares_domain::{Tier, ToolSettings};
use ares_http::{AdminApi, AdminSecret, ClientApi, Health, InsightApi, IpLimiter, Metrics, ProviderApi, UserApi};
use ares_llm::Connector;
use ares_notify::Webhooks;
use ares_store::{
    AgentStore, AlertStore, AnalyticsStore, ApiKeyStore, AuditStore, ConversationStore, Db, LedgerStore, MemoryStore,
    ProviderStore, RunStore, SessionStore, TemplateStore, TenantStore, UserAgentStore, UserStore,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::serve::serve;
use crate::settings::{MemorySettings, Settings, StartupError};

/// The wall clock.
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Waits on tokio's timer.
struct TokioTimer;

#[async_trait]
impl Timer for TokioTimer {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Background work on a `TaskTracker`, run on the server's own runtime: an HTTP worker's runtime may stop (and
/// drop its tasks) before the server does. Shutdown closes the tracker and waits for what it holds.
struct TrackedTasks {
    tracker: TaskTracker,
    runtime: tokio::runtime::Handle,
}

impl Background for TrackedTasks {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        self.tracker.spawn_on(task, &self.runtime);
    }
}

/// Every group of use cases handlers reach, as app data.
#[derive(Clone)]
pub(crate) struct Groups {
    pub(crate) admin: web::Data<AdminApi>,
    pub(crate) users: web::Data<UserApi>,
    pub(crate) providers: web::Data<ProviderApi>,
    pub(crate) client: web::Data<ClientApi>,
    pub(crate) insight: web::Data<InsightApi>,
    pub(crate) metrics: web::Data<Metrics>,
    /// Stopped at shutdown, so retries of an unreachable webhook do not hold it up.
    pub(crate) webhooks: Arc<Webhooks>,
    pub(crate) health: web::Data<Health>,
    pub(crate) admin_secret: web::Data<AdminSecret>,
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    port: u16,
    server: Server,
    groups: Groups,
    tasks: TaskTracker,
    limiter: Option<web::Data<IpLimiter>>,
    reload_interval: Duration,
    flush_interval: Duration,
    reservation_ttl: Duration,
    shutdown_timeout: Duration,
}

impl Application {
    /// Connects and migrates the store, seeds the templates, and binds the listener.
    ///
    /// # Errors
    /// `StartupError` when the database cannot be reached or migrated, or the address cannot be bound.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// `build`, with the clock quota periods are read from (tests move time with their own).
    ///
    /// # Errors
    /// As `build`.
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Application, StartupError> {
        let pool = settings.database.pool();
        let cannot =
            |err: anyhow::Error| StartupError::new(format!("cannot use the database {}: {err:#}", redacted(&pool.url)));
        let db = Db::connect(&pool).await.map_err(cannot)?;
        let ledger_db =
            if settings.metering.durable_commits { db.clone() } else { db.relaxed(&pool).map_err(cannot)? };
        let templates = settings.agent_templates()?;
        let providers = settings.configured_providers(Utc::now())?;
        let tools = settings.tools.checked(&settings.environment.0)?;
        let catalog = crate::tools::catalog(&settings, &tools).await?;
        let shutdown_timeout = settings.server.shutdown_timeout.duration("server.shutdown_timeout")?;
        let body_timeout = ares_http::BodyTimeout(settings.server.body_timeout.duration("server.body_timeout")?);
        let tasks = TaskTracker::new();
        let background = Arc::new(TrackedTasks { tracker: tasks.clone(), runtime: tokio::runtime::Handle::current() });
        let tools = Tools { catalog, settings: tools.loop_settings };
        let groups = wire(db, ledger_db, &settings, clock, tools, background)?;
        groups
            .admin
            .templates
            .seed(&templates)
            .await
            .map_err(|err| StartupError::new(format!("cannot seed the agent templates: {err:#}")))?;
        groups
            .providers
            .providers
            .seed(&providers)
            .await
            .map_err(|err| StartupError::new(format!("cannot store the configured providers: {err:#}")))?;
        report_models(&groups.providers.router);
        tracing::info!(templates.count = templates.len(), database = groups.health.store.backend(), "store ready");
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener =
            TcpListener::bind(&address).map_err(|err| StartupError::new(format!("cannot bind {address}: {err}")))?;
        let port =
            listener.local_addr().map_err(|err| StartupError::new(format!("cannot bind {address}: {err}")))?.port();
        let limit = &settings.rate_limit;
        let limiter = IpLimiter::new(limit.per_second, limit.burst, limit.trust_forwarded_for).map(web::Data::new);
        let timeouts = (body_timeout, shutdown_timeout);
        let metrics_listener = match &settings.metrics.listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .map_err(|err| StartupError::new(format!("cannot bind the metrics listener {address}: {err}")))?,
            ),
            None => None,
        };
        let server = serve(listener, metrics_listener, groups.clone(), limiter.clone(), &settings, timeouts)
            .map_err(|err| StartupError::new(format!("cannot serve on {address}: {err:#}")))?;
        let reload_interval = Duration::from_secs(settings.routing.reload_interval_seconds.max(1));
        let flush_interval = Duration::from_secs(settings.metering.last_used_flush_seconds.max(1));
        let reservation_ttl = Duration::from_secs(settings.metering.reservation_ttl_seconds);
        Ok(Application {
            port,
            server,
            groups,
            tasks,
            limiter,
            reload_interval,
            flush_interval,
            reservation_ttl,
            shutdown_timeout,
        })
    }

    /// The port the server listens on (useful when configured as 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The model router, to look at routing from outside the HTTP API (tests, embedding).
    #[must_use]
    pub fn router(&self) -> Arc<ModelRouter> {
        self.groups.providers.router.clone()
    }

    /// A handle to stop the server.
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (its handle, or `stop_on_signals`). Stopping lets requests in flight
    /// finish (within `[server] shutdown_timeout`), then waits until every admitted request is recorded (those the
    /// timeout cut off are recorded as abandoned once their workers drop them) and every background record is
    /// written (abandoned requests, stream ends, the ledger's writers), and writes the keys' `last_used` times.
    ///
    /// # Errors
    /// When the server fails while running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let reloading = tokio::spawn(reload_providers(self.groups.providers.clone(), self.reload_interval));
        let sweep = sweep_interval(self.reservation_ttl);
        let expiring = tokio::spawn(expire_reservations(self.groups.client.metering.clone(), sweep));
        let auth = self.groups.client.auth.clone();
        let stopping = CancellationToken::new();
        let housekeeping =
            tokio::spawn(housekeeping(auth.clone(), self.limiter, self.flush_interval, stopping.clone()));
        let outcome = self.server.await;
        self.groups.webhooks.stop();
        reloading.abort();
        expiring.abort();
        stopping.cancel();
        if let Err(err) = housekeeping.await {
            tracing::warn!(error = %err, "the housekeeping task failed");
        }
        let settled = async {
            while self.groups.client.meter.unsettled() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            self.tasks.close();
            self.tasks.wait().await;
        };
        if tokio::time::timeout(self.shutdown_timeout, settled).await.is_err() {
            let unsettled = self.groups.client.meter.unsettled();
            tracing::error!(unsettled, pending = self.tasks.len(), "requests still unrecorded at shutdown");
        }
        flush_last_used(&auth).await;
        tracing::info!("stopped");
        outcome
    }
}

/// Stops `handle` gracefully on SIGTERM or Ctrl-C (SIGINT).
pub async fn stop_on_signals(handle: ServerHandle) {
    let terminate = async {
        #[cfg(unix)]
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => drop(signal.recv().await),
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
    handle.stop(true).await;
}

/// Writes the keys' `last_used` times and forgets idle IPs of the rate limiter, now and then, until `stopping`
/// (between two rounds: a flush under way is finished, never dropped halfway).
async fn housekeeping(
    auth: Arc<Authenticator>,
    limiter: Option<web::Data<IpLimiter>>,
    every: Duration,
    stopping: CancellationToken,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        tokio::select! {
            () = stopping.cancelled() => return,
            _ = interval.tick() => {}
        }
        flush_last_used(&auth).await;
        if let Some(limiter) = &limiter {
            limiter.prune();
        }
    }
}

async fn flush_last_used(auth: &Authenticator) {
    if let Err(err) = auth.flush_last_used().await {
        tracing::warn!(error = %err, "cannot record when API keys were last used; will retry");
    }
}

/// How often expired reservations are looked for: a quarter of their lifetime, between 1 and 60 seconds.
fn sweep_interval(ttl: Duration) -> Duration {
    (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

/// Releases the reservations of requests that were never recorded (their instance was killed) once they expire:
/// at start-up, then now and then. Every instance does; each reservation is released once.
async fn expire_reservations(metering: Arc<Metering>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(err) = metering.expire_reservations().await {
            tracing::warn!(error = %err, "cannot release expired reservations; will retry");
        }
    }
}

/// Rereads the stored providers now and then, so changes made through another instance are routed here too.
async fn reload_providers(api: web::Data<ProviderApi>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        interval.tick().await;
        if let Err(err) = api.providers.reload().await {
            tracing::warn!(error = %err, "cannot reload the providers; routing with the previous set");
        }
    }
}

/// One line per model at start-up, so an operator sees at once which ones cannot be served and why.
fn report_models(router: &ModelRouter) {
    for status in router.models() {
        match &status.reason {
            None => tracing::info!(model = %status.model.name, provider = %status.provider, "model available"),
            Some(reason) => {
                tracing::warn!(model = %status.model.name, provider = %status.provider, %reason, "model unavailable");
            }
        }
    }
}

/// What several groups of use cases share: the store, the clock, the caches, the router, the background.
struct Shared {
    db: Db,
    clock: Arc<dyn Clock>,
    auth: Arc<Authenticator>,
    directory: Arc<AgentDirectory>,
    router: Arc<ModelRouter>,
    api_keys: ApiKeys,
    agents: Agents,
    /// The usage ledger: the metered path's, and the figures operators see.
    ledger: Arc<LedgerStore>,
    /// What provider API keys are sealed with at rest, when the operator set a key.
    cipher: Option<Arc<ares_store::Cipher>>,
    background: Arc<TrackedTasks>,
    alerts: Arc<AlertStore>,
    /// Raises alerts from usage and from the router's circuits.
    watch: AlertWatch,
    metrics: web::Data<Metrics>,
    webhooks: Arc<Webhooks>,
    /// The ledger's own pool (its commits need not wait for the disk).
    ledger_db: Db,
}

/// The tool catalog and the loop's settings.
struct Tools {
    catalog: Arc<ToolCatalog>,
    settings: ToolSettings,
}

fn wire(
    db: Db,
    ledger_db: Db,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    tools: Tools,
    background: Arc<TrackedTasks>,
) -> Result<Groups, StartupError> {
    let shared = shared(db, ledger_db, settings, clock, background)?;
    let admin_secret = settings.auth.admin_secret.as_ref().map_or("", |s| s.expose());
    let platform = Arc::new(PlatformAgents::new(settings.platform_agents()?));
    let catalog = tools.catalog.clone();
    let client = web::Data::new(client_api(&shared, settings, tools, platform.clone()));
    gauges(&shared, &client);
    let accounts = Arc::new(accounts(&shared, settings)?);
    let users = user_api(&shared, settings, &client, (accounts.clone(), platform, catalog));
    Ok(Groups {
        admin: web::Data::new(admin_api(&shared, &accounts)),
        users: web::Data::new(users),
        providers: web::Data::new(provider_api(&shared)),
        client,
        insight: web::Data::new(insight_api(&shared, settings)),
        metrics: shared.metrics.clone(),
        webhooks: shared.webhooks.clone(),
        health: web::Data::new(Health { store: Arc::new(shared.db.clone()), version: env!("CARGO_PKG_VERSION") }),
        admin_secret: web::Data::new(AdminSecret::new(admin_secret)),
    })
}

fn shared(
    db: Db,
    ledger_db: Db,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    background: Arc<TrackedTasks>,
) -> Result<Shared, StartupError> {
    let metering = &settings.metering;
    let ledger = Arc::new(LedgerStore::new(ledger_db.clone(), ledger_db.clone(), background.clone()));
    let keys = Arc::new(ApiKeyStore::new(db.clone()));
    let tenants = Arc::new(TenantStore::new(db.clone()));
    let agent_store = Arc::new(AgentStore::new(db.clone()));
    let auth = Arc::new(Authenticator::new(keys.clone(), clock.clone(), Duration::from_millis(metering.key_cache_ms)));
    let cache = Duration::from_millis(metering.agent_cache_ms);
    let directory = Arc::new(AgentDirectory::new(agent_store.clone(), clock.clone(), cache));
    let connector = Arc::new(Connector::new(&settings.environment.0));
    let router = Arc::new(ModelRouter::new(connector, clock.clone(), Arc::new(TokioTimer), settings.routing.policy()));
    let alerts = Arc::new(AlertStore::new(db.clone()));
    let (hooks, delivery) = settings.alerts.checked()?;
    let webhooks = Webhooks::new(hooks, delivery, background.clone())
        .map_err(|err| StartupError::new(format!("cannot build the alert webhooks' HTTP client: {err}")))?;
    let webhooks = Arc::new(webhooks);
    let metrics = web::Data::new(Metrics::new(settings.metrics.tenant_labels));
    let watch_ports = WatchPorts {
        alerts: alerts.clone(),
        tenants: tenants.clone(),
        sink: webhooks.clone(),
        background: background.clone(),
        clock: clock.clone(),
    };
    let watch = AlertWatch::new(watch_ports, settings.tiers.quotas());
    router.watch(Arc::new(watch.clone()));
    router.watch(metrics.clone().into_inner());
    Ok(Shared {
        api_keys: ApiKeys::new(
            keys,
            tenants.clone(),
            Arc::new(RandomKeyGenerator),
            auth.clone(),
            clock.clone(),
            settings.api_keys.max_live_per_tenant,
        ),
        agents: Agents::new(agent_store, tenants, directory.clone(), clock.clone()),
        db,
        clock,
        auth,
        directory,
        router,
        ledger,
        cipher: settings.encryption_key().ok().flatten().map(Arc::new),
        background,
        alerts,
        watch,
        metrics,
        webhooks,
        ledger_db,
    })
}

/// The gauges the metrics read when rendered: circuits, connection pools, the metering pipeline, webhooks.
fn gauges(shared: &Shared, client: &web::Data<ClientApi>) {
    let metrics = &shared.metrics;
    let router = shared.router.clone();
    metrics.gauge("ares_provider_circuit_state", "A provider's circuit: 0 closed, 1 half open, 2 open.", move || {
        let now_state = |status: &ares_application::usecases::ProviderStatus| match status.circuit {
            ares_domain::routing::BreakerState::Closed => 0.0,
            ares_domain::routing::BreakerState::HalfOpen => 1.0,
            ares_domain::routing::BreakerState::Open { .. } => 2.0,
        };
        router
            .provider_states()
            .iter()
            .map(|(name, status)| (vec![("provider", name.to_string())], now_state(status)))
            .collect()
    });
    let (db, ledger) = (shared.db.clone(), shared.ledger_db.clone());
    metrics.gauge("ares_db_connections", "Pooled database connections, by pool and state.", move || {
        let mut samples = Vec::new();
        for (pool, db) in [("main", &db), ("ledger", &ledger)] {
            let (in_use, idle) = db.connections();
            samples.push((vec![("pool", pool.to_owned()), ("state", "in_use".to_owned())], usize_value(in_use)));
            samples.push((vec![("pool", pool.to_owned()), ("state", "idle".to_owned())], usize_value(idle)));
        }
        samples
    });
    let (meter, pipeline) = (client.clone(), client.metering.counters());
    metrics.gauge("ares_metering_pending", "Requests admitted and not yet recorded.", move || {
        vec![(vec![], usize_value(meter.meter.unsettled()))]
    });
    metrics.counter(
        "ares_metering_write_failures_total",
        "Tries to record a request that failed (each retry counts).",
        {
            let pipeline = pipeline.clone();
            move || vec![(vec![], u64_value(pipeline.write_failures.load(std::sync::atomic::Ordering::Relaxed)))]
        },
    );
    metrics.counter("ares_metering_dropped_records_total", "Requests whose record was given up on.", move || {
        vec![(vec![], u64_value(pipeline.dropped.load(std::sync::atomic::Ordering::Relaxed)))]
    });
    let webhooks = shared.webhooks.counters();
    metrics.counter("ares_alert_webhook_deliveries_total", "Alert webhook deliveries, by outcome.", move || {
        let load =
            |counter: &std::sync::atomic::AtomicU64| u64_value(counter.load(std::sync::atomic::Ordering::Relaxed));
        vec![
            (vec![("outcome", "delivered".to_owned())], load(&webhooks.delivered)),
            (vec![("outcome", "failed_attempt".to_owned())], load(&webhooks.failed_attempts)),
            (vec![("outcome", "dropped".to_owned())], load(&webhooks.dropped)),
        ]
    });
}

#[expect(clippy::cast_precision_loss, reason = "gauges far below 2^52")]
fn usize_value(value: usize) -> f64 {
    value as f64
}

#[expect(clippy::cast_precision_loss, reason = "counters far below 2^52")]
fn u64_value(value: u64) -> f64 {
    value as f64
}

/// End users' sign-in: bcrypt, HS256 access tokens, refresh tokens in the store.
fn accounts(shared: &Shared, settings: &Settings) -> Result<Accounts, StartupError> {
    let auth = &settings.auth;
    let user_tier: Tier =
        auth.user_tier.parse().map_err(|err| StartupError::new(format!("[auth] user_tier: {err}")))?;
    let secret = auth.jwt_secret.as_ref().map_or("", |s| s.expose());
    let hasher = BcryptHasher::new(auth.bcrypt_cost)
        .map_err(|err| StartupError::new(format!("cannot hash passwords with bcrypt: {err}")))?;
    let ports = AccountPorts {
        users: Arc::new(UserStore::new(shared.db.clone())),
        sessions: Arc::new(SessionStore::new(shared.db.clone())),
        hasher: Arc::new(hasher),
        tokens: Arc::new(JwtIssuer::new(secret.as_bytes(), auth.access_token_ttl)),
        random: Arc::new(RandomKeyGenerator),
        clock: shared.clock.clone(),
    };
    let policy = AccountPolicy {
        user_tier,
        refresh_lifetime: Duration::from_secs(u64::from(auth.refresh_token_days) * 86_400),
        session_cache: Duration::from_millis(auth.session_cache_ms),
        throttle: ThrottlePolicy {
            per_account: auth.max_failed_logins,
            per_address: auth.max_failed_logins_per_address,
            window: Duration::from_secs(auth.throttle_window),
        },
    };
    Ok(Accounts::new(ports, policy))
}

fn admin_api(shared: &Shared, accounts: &Arc<Accounts>) -> AdminApi {
    let Shared { db, clock, auth, ledger, .. } = shared;
    let tenants = Arc::new(TenantStore::new(db.clone()));
    let templates = Arc::new(TemplateStore::new(db.clone()));
    AdminApi {
        tenants: Tenants::new(tenants.clone(), ledger.clone(), auth.clone(), clock.clone()),
        provisioning: Provisioning::new(tenants, templates.clone(), Arc::new(RandomKeyGenerator), clock.clone()),
        api_keys: shared.api_keys.clone(),
        agents: shared.agents.clone(),
        templates: Templates::new(templates),
        users: Users::new(Arc::new(UserStore::new(db.clone())), accounts.clone(), clock.clone()),
    }
}

fn provider_api(shared: &Shared) -> ProviderApi {
    let store = Arc::new(ProviderStore::new(shared.db.clone(), shared.cipher.clone()));
    let providers = Providers::new(store, shared.router.clone(), shared.clock.clone());
    ProviderApi {
        providers: if shared.cipher.is_some() { providers } else { providers.without_stored_keys() },
        router: shared.router.clone(),
    }
}

/// The client API: the metered path over the ledger, and what clients call through it.
/// Learns what to remember about users from their kept exchanges, in the background.
fn memory_extractor(shared: &Shared, memory: &MemorySettings) -> MemoryExtractor {
    let ports = ExtractionPorts {
        router: shared.router.clone(),
        memories: Arc::new(MemoryStore::new(shared.db.clone())),
        background: shared.background.clone(),
        clock: shared.clock.clone(),
    };
    MemoryExtractor::new(ports, ExtractionSettings { model: memory.model.clone(), max_items: memory.max_items })
}

/// End users' API: sign-in, and chat over the client API's metered path and chat service.
fn user_api(
    shared: &Shared,
    settings: &Settings,
    client: &ClientApi,
    (accounts, platform, catalog): (Arc<Accounts>, Arc<PlatformAgents>, Arc<ToolCatalog>),
) -> UserApi {
    let Shared { db, clock, router, .. } = shared;
    let conversations = Arc::new(ConversationStore::new(db.clone()));
    let user_agents = Arc::new(UserAgentStore::new(db.clone()));
    UserApi {
        accounts,
        meter: client.meter.clone(),
        chat: client.chat.clone(),
        conversations: Conversations::new(conversations, Arc::new(MemoryStore::new(db.clone())), clock.clone()),
        platform,
        user_agents: UserAgents::new(user_agents, router.clone(), catalog, clock.clone())
            .allowing(settings.auth.user_tools.clone()),
        trust_forwarded_for: settings.rate_limit.trust_forwarded_for,
    }
}

fn client_api(shared: &Shared, settings: &Settings, tools: Tools, platform: Arc<PlatformAgents>) -> ClientApi {
    let Shared { db, clock, directory, router, background, ledger, .. } = shared;
    let max_tokens = settings.metering.default_max_tokens;
    let ttl = chrono::Duration::seconds(i64::try_from(settings.metering.reservation_ttl_seconds).unwrap_or(i64::MAX));
    let metering = Metering::new(ledger.clone(), settings.tiers.quotas(), clock.clone())
        .with_reservation_ttl(ttl)
        .with_prices(router.clone())
        .with_observer(Arc::new(shared.watch.clone()))
        .with_observer(shared.metrics.clone().into_inner());
    let metering = match &settings.memory {
        memory if memory.extract => metering.with_observer(Arc::new(memory_extractor(shared, memory))),
        _ => metering,
    };
    let metering = Arc::new(metering);
    let timer = Arc::new(TokioTimer);
    let coordinator =
        Arc::new(ToolCoordinator::new(router.clone(), tools.catalog, timer, clock.clone(), tools.settings));
    let runs = Arc::new(RunStore::new(db.clone()));
    let chat = ChatPorts {
        directory: directory.clone(),
        coordinator: coordinator.clone(),
        router: router.clone(),
        platform,
        user_agents: Arc::new(UserAgentStore::new(db.clone())),
        conversations: Arc::new(ConversationStore::new(db.clone())),
        memories: Arc::new(MemoryStore::new(db.clone())),
        clock: clock.clone(),
        user_tools: settings.auth.user_tools.clone(),
    };
    ClientApi {
        meter: Arc::new(MeteredPath::new(metering.clone(), background.clone())),
        metering,
        runner: AgentRunner::new(directory.clone(), coordinator, runs, clock.clone(), max_tokens),
        chat: Arc::new(ChatService::new(chat, max_tokens)),
        auth: shared.auth.clone(),
        agents: shared.agents.clone(),
        api_keys: shared.api_keys.clone(),
    }
}

/// The operators' reports, alerts and audit log.
fn insight_api(shared: &Shared, settings: &Settings) -> InsightApi {
    let Shared { db, clock, ledger, alerts, .. } = shared;
    let sources = ReportSources {
        tenants: Arc::new(TenantStore::new(db.clone())),
        agents: Arc::new(AgentStore::new(db.clone())),
        runs: Arc::new(RunStore::new(db.clone())),
        ledger: ledger.clone(),
        alerts: alerts.clone(),
    };
    InsightApi {
        reports: Reports::new(sources, settings.tiers.quotas(), clock.clone()),
        alerts: Alerts::new(alerts.clone(), clock.clone()),
        audit: AuditTrail::new(Arc::new(AuditStore::new(db.clone()))),
        analytics: Analytics::new(Arc::new(AnalyticsStore::new(db.clone())), clock.clone()),
    }
}

/// The URL with any password replaced, for messages.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redacted("postgres://ares:hunter2@db/ares"), "postgres://ares:***@db/ares");
        assert_eq!(redacted("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redacted("sqlite://data/ares.db"), "sqlite://data/ares.db");
    }
}
