//! Wiring: the store, the model router and its providers, the tools, the use cases and the HTTP server, built from the
//! settings.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use ares_application::keys::RandomKeyGenerator;
use ares_application::ports::{Clock, Timer};
use ares_application::usecases::{
    AgentDirectory, AgentRunner, Agents, ApiKeys, Authenticator, ChatService, Metering, ModelRouter, Providers,
    Provisioning, Templates, Tenants, ToolCatalog, ToolCoordinator,
};
use ares_domain::ToolSettings;
use ares_http::{AdminSecret, AppState, IpLimiter};
use ares_llm::Connector;
use ares_store::{AgentStore, ApiKeyStore, Db, LedgerStore, ProviderStore, RunStore, TemplateStore, TenantStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing_actix_web::TracingLogger;

use crate::settings::{Settings, StartupError};

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

/// A built server, bound to its port, not yet serving.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    limiter: Option<web::Data<IpLimiter>>,
    reload_interval: Duration,
    flush_interval: Duration,
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
        let state = web::Data::new(wire(db, ledger_db, &settings, clock, catalog, tools.loop_settings));
        state
            .templates
            .seed(&templates)
            .await
            .map_err(|err| StartupError::new(format!("cannot seed the agent templates: {err:#}")))?;
        state
            .providers
            .seed(&providers)
            .await
            .map_err(|err| StartupError::new(format!("cannot store the configured providers: {err:#}")))?;
        report_models(&state.router);
        tracing::info!(templates.count = templates.len(), database = state.store.backend(), "store ready");
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener =
            TcpListener::bind(&address).map_err(|err| StartupError::new(format!("cannot bind {address}: {err}")))?;
        let port =
            listener.local_addr().map_err(|err| StartupError::new(format!("cannot bind {address}: {err}")))?.port();
        let limit = &settings.rate_limit;
        let limiter = IpLimiter::new(limit.per_second, limit.burst, limit.trust_forwarded_for).map(web::Data::new);
        let server = serve(listener, state.clone(), limiter.clone(), &settings)
            .map_err(|err| StartupError::new(format!("cannot serve on {address}: {err:#}")))?;
        let reload_interval = Duration::from_secs(settings.routing.reload_interval_seconds.max(1));
        let flush_interval = Duration::from_secs(settings.metering.last_used_flush_seconds.max(1));
        Ok(Application { port, server, state, limiter, reload_interval, flush_interval })
    }

    /// The port the server listens on (useful when configured as 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The model router, to look at routing from outside the HTTP API (tests, embedding).
    #[must_use]
    pub fn router(&self) -> Arc<ModelRouter> {
        self.state.router.clone()
    }

    /// A handle to stop the server.
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (a signal, or its handle).
    ///
    /// # Errors
    /// When the server fails while running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let reloading = tokio::spawn(reload_providers(self.state.clone(), self.reload_interval));
        let housekeeping = tokio::spawn(housekeeping(self.state.clone(), self.limiter, self.flush_interval));
        let outcome = self.server.await;
        reloading.abort();
        housekeeping.abort();
        flush_last_used(&self.state).await;
        outcome
    }
}

/// Writes the keys' `last_used` times and forgets idle IPs of the rate limiter, now and then.
async fn housekeeping(state: web::Data<AppState>, limiter: Option<web::Data<IpLimiter>>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        interval.tick().await;
        flush_last_used(&state).await;
        if let Some(limiter) = &limiter {
            limiter.prune();
        }
    }
}

async fn flush_last_used(state: &AppState) {
    if let Err(err) = state.auth.flush_last_used().await {
        tracing::warn!(error = %err, "cannot record when API keys were last used; will retry");
    }
}

/// Rereads the stored providers now and then, so changes made through another instance are routed here too.
async fn reload_providers(state: web::Data<AppState>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        interval.tick().await;
        if let Err(err) = state.providers.reload().await {
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

fn wire(
    db: Db,
    ledger_db: Db,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    tools: Arc<ToolCatalog>,
    tool_settings: ToolSettings,
) -> AppState {
    let keys = Arc::new(RandomKeyGenerator);
    let metering = &settings.metering;
    let agent_store = Arc::new(AgentStore::new(db.clone()));
    let key_store = Arc::new(ApiKeyStore::new(db.clone()));
    let tenants = Arc::new(TenantStore::new(db.clone()));
    let templates = Arc::new(TemplateStore::new(db.clone()));
    let admin_secret = settings.auth.admin_secret.as_ref().map_or("", |s| s.expose());
    let connector = Arc::new(Connector::new(&settings.environment.0));
    let timer = Arc::new(TokioTimer);
    let router = Arc::new(ModelRouter::new(connector, clock.clone(), timer.clone(), settings.routing.policy()));
    let coordinator = Arc::new(ToolCoordinator::new(router.clone(), tools, timer, clock.clone(), tool_settings));
    let directory = Arc::new(AgentDirectory::new(
        agent_store.clone(),
        clock.clone(),
        Duration::from_millis(metering.agent_cache_ms),
    ));
    let runs = Arc::new(RunStore::new(db.clone()));
    AppState {
        auth: Arc::new(Authenticator::new(
            key_store.clone(),
            clock.clone(),
            Duration::from_millis(metering.key_cache_ms),
        )),
        metering: Metering::new(
            Arc::new(LedgerStore::new(ledger_db.clone(), ledger_db)),
            settings.tiers.quotas(),
            clock.clone(),
        ),
        runner: AgentRunner::new(
            directory.clone(),
            coordinator.clone(),
            runs,
            clock.clone(),
            metering.default_max_tokens,
        ),
        chat: ChatService::new(directory.clone(), coordinator, metering.default_max_tokens),
        directory,
        tenants: Tenants::new(tenants.clone(), clock.clone()),
        provisioning: Provisioning::new(tenants.clone(), templates.clone(), keys.clone(), clock.clone()),
        api_keys: ApiKeys::new(key_store, tenants.clone(), keys, clock.clone()),
        agents: Agents::new(agent_store, tenants, clock.clone()),
        templates: Templates::new(templates),
        providers: Providers::new(Arc::new(ProviderStore::new(db.clone())), router.clone(), clock),
        router,
        store: Arc::new(db),
        admin_secret: AdminSecret::new(admin_secret),
        version: env!("CARGO_PKG_VERSION"),
    }
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    limiter: Option<web::Data<IpLimiter>>,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let limit = settings.server.max_body_bytes;
    let server = HttpServer::new(move || {
        let app = App::new()
            .wrap(ErrorHandlers::new().default_handler_client(ares_http::rewrite_empty_errors))
            .wrap(from_fn(ares_http::limit_by_ip))
            .wrap(TracingLogger::default());
        let app = match &limiter {
            Some(limiter) => app.app_data(limiter.clone()),
            None => app,
        };
        app.app_data(state.clone())
            .app_data(ares_http::json_config(limit))
            .app_data(ares_http::payload_config(limit))
            .app_data(ares_http::query_config())
            .configure(ares_http::configure)
            .default_service(web::to(ares_http::not_found))
    })
    .listen(listener)
    .context("cannot listen")?;
    let server = match settings.server.workers {
        Some(workers) => server.workers(workers),
        None => server,
    };
    Ok(server.disable_signals().run())
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
