//! Model routing: a request names a model, a tier or an upstream model id; the router walks the failover chain of
//! that name (`ares_domain::routing::resolve`), skips providers that are disabled, unconfigured, circuit-broken or
//! out of their own rate limits, retries transient failures with jittered exponential backoff (honouring
//! `Retry-After`), fails over on connection errors, timeouts, 429 and 5xx, and never on a 4xx the request caused.
//! A stream fails over only until its first event arrives.

mod runtime;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use ares_domain::routing::{Backoff, BreakerPolicy, BreakerState, LimitHit, Route, resolve};
use ares_domain::{ModelPrice, ModelSpec, Provider, ProviderName};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use self::runtime::{Health, ProviderRuntime, Refusal, Registry, circuit_reason};
use crate::ports::{
    ChatModel, ChatRequest, ChatResponse, ChatStream, Clock, ProviderConnector, ProviderError, StreamEvent, Timer,
};

/// How the router retries and when it gives up on a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutingPolicy {
    pub backoff: Backoff,
    pub breaker: BreakerPolicy,
    /// A `Retry-After` longer than this is not waited for: the request fails over instead.
    pub max_retry_wait: Duration,
}

impl Default for RoutingPolicy {
    fn default() -> Self {
        RoutingPolicy {
            backoff: Backoff { base: Duration::from_millis(250), max: Duration::from_secs(4) },
            breaker: BreakerPolicy::default(),
            max_retry_wait: Duration::from_secs(10),
        }
    }
}

/// A result and the model and provider that produced it.
#[derive(Debug)]
pub struct Routed<T> {
    pub value: T,
    /// The model's name (what clients and agents say), not the upstream's id.
    pub model: String,
    pub provider: ProviderName,
}

impl<T> Routed<T> {
    /// The same route, with its value turned into another.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Routed<U> {
        Routed { value: f(self.value), model: self.model, provider: self.provider }
    }
}

/// Why a request could not be served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    #[error("Unknown model: '{0}'")]
    UnknownModel(String),
    /// A provider's rate limit (its own, or ARES's limit for it) refused the request, after failover was tried.
    #[error("Rate limit exceeded for provider '{provider}'")]
    RateLimited { provider: ProviderName, retry_after: Duration },
    /// The upstream refused the request itself (a 4xx other than 408 and 429): no other provider was tried.
    #[error("Provider '{provider}' rejected the request: {message}")]
    Rejected { provider: ProviderName, status: u16, message: String },
    /// Every provider that could serve the model is disabled, unconfigured or circuit-broken.
    #[error("No provider is available for model '{target}': {}", reasons.join("; "))]
    Unavailable { target: String, reasons: Vec<String> },
    /// Every attempt failed; this is the last failure.
    #[error("Provider '{provider}' failed: {error}")]
    Failed { provider: ProviderName, error: ProviderError },
}

impl RouteError {
    /// The provider that was called and failed or refused, when one was: such a request called a model.
    #[must_use]
    pub fn called(&self) -> Option<&ProviderName> {
        match self {
            RouteError::Rejected { provider, .. } | RouteError::Failed { provider, .. } => Some(provider),
            RouteError::UnknownModel(_) | RouteError::RateLimited { .. } | RouteError::Unavailable { .. } => None,
        }
    }
}

/// What the router knows about one provider, for operators.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderStatus {
    pub available: bool,
    /// Why it is not available, when it is not.
    pub reason: Option<String>,
    pub circuit: BreakerState,
    pub consecutive_failures: u32,
    pub last_error: Option<(String, DateTime<Utc>)>,
    pub requests_today: u64,
    pub tokens_this_minute: u64,
}

/// One routable model and whether a request for it would find its provider usable.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelStatus {
    pub provider: ProviderName,
    pub model: ModelSpec,
    pub available: bool,
    pub reason: Option<String>,
}

/// Told of each provider call and when a provider's circuit opens (alerts and metrics hook in here). Calls must
/// return at once.
pub trait ProviderWatcher: Send + Sync + 'static {
    /// `provider`'s circuit just opened.
    fn circuit_opened(&self, _provider: &ProviderName) {}

    /// A call to `provider` took `elapsed` (for a stream, until its first event) and succeeded or not.
    fn called(&self, _provider: &ProviderName, _elapsed: std::time::Duration, _ok: bool) {}
}

/// The watchers of the router's circuits, shared with the streams it relays.
#[derive(Default)]
struct Watchers(RwLock<Vec<Arc<dyn ProviderWatcher>>>);

impl Watchers {
    fn opened(&self, provider: &ProviderName) {
        tracing::warn!(%provider, "provider circuit opened");
        for watcher in self.0.read().unwrap_or_else(PoisonError::into_inner).iter() {
            watcher.circuit_opened(provider);
        }
    }

    fn called(&self, provider: &ProviderName, elapsed: std::time::Duration, ok: bool) {
        crate::timing::add_upstream(elapsed);
        for watcher in self.0.read().unwrap_or_else(PoisonError::into_inner).iter() {
            watcher.called(provider, elapsed, ok);
        }
    }
}

/// Routes chats to providers.
pub struct ModelRouter {
    registry: RwLock<Arc<Registry>>,
    connector: Arc<dyn ProviderConnector>,
    clock: Arc<dyn Clock>,
    timer: Arc<dyn Timer>,
    policy: RoutingPolicy,
    watchers: Arc<Watchers>,
}

/// The failures met along a chain, to say the most useful thing when all of it failed.
#[derive(Default)]
struct Outcome {
    skipped: Vec<String>,
    last: Option<RouteError>,
}

impl Outcome {
    fn into_error(self, target: &str) -> RouteError {
        self.last.unwrap_or_else(|| RouteError::Unavailable { target: target.to_owned(), reasons: self.skipped })
    }
}

/// Upstream 429s without a `Retry-After` are reported with this wait, as the docs show.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

impl ModelRouter {
    /// A router with no providers yet; `reload` gives it some.
    #[must_use]
    pub fn new(
        connector: Arc<dyn ProviderConnector>,
        clock: Arc<dyn Clock>,
        timer: Arc<dyn Timer>,
        policy: RoutingPolicy,
    ) -> Self {
        ModelRouter { registry: RwLock::default(), connector, clock, timer, policy, watchers: Arc::default() }
    }

    /// Tells `watcher` of every provider call and whenever a provider's circuit opens.
    pub fn watch(&self, watcher: Arc<dyn ProviderWatcher>) {
        self.watchers.0.write().unwrap_or_else(PoisonError::into_inner).push(watcher);
    }

    fn snapshot(&self) -> Arc<Registry> {
        self.registry.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Routes with `providers` from now on. Requests in flight finish on the providers they started with.
    pub fn reload(&self, providers: Vec<Provider>) {
        let next = Registry::build(providers, &self.snapshot(), self.connector.as_ref());
        *self.registry.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
    }

    /// Completes `request`, whose `model` names a model, a tier or an upstream model id.
    ///
    /// # Errors
    /// A `RouteError` when no provider in the chain served the request.
    #[tracing::instrument(skip_all, fields(model.requested = %request.model))]
    pub async fn complete(&self, request: &ChatRequest) -> Result<Routed<ChatResponse>, RouteError> {
        let routed = self.route(request, |client, call| async move { client.complete(&call).await }).await?;
        let Routed { value: (response, health), model, provider } = routed;
        health.record_tokens(self.clock.now(), response.usage.total());
        Ok(Routed { value: response, model, provider })
    }

    /// Streams `request`. Failover happens until the first event arrives; an error after that ends the stream.
    ///
    /// # Errors
    /// A `RouteError` when no provider in the chain started the stream.
    #[tracing::instrument(skip_all, fields(model.requested = %request.model))]
    pub async fn stream(&self, request: &ChatRequest) -> Result<Routed<ChatStream>, RouteError> {
        let routed =
            self.route(request, |client, call| async move { first_event(client.stream(&call).await?).await }).await?;
        let Routed { value: (stream, health), model, provider } = routed;
        Ok(Routed { value: self.metered(stream, health, provider.clone()), model, provider })
    }

    async fn route<T, F, Fut>(&self, request: &ChatRequest, call: F) -> Result<Routed<(T, Arc<Health>)>, RouteError>
    where
        F: Fn(Arc<dyn ChatModel>, ChatRequest) -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let registry = self.snapshot();
        let chain = resolve(&registry.providers, &request.model);
        if chain.is_empty() {
            return Err(RouteError::UnknownModel(request.model.clone()));
        }
        let mut outcome = Outcome::default();
        for route in &chain {
            let Some(runtime) = registry.runtimes.get(&route.provider) else { continue };
            if let Some(value) = self.try_provider(runtime, route, request, &call, &mut outcome).await? {
                tracing::debug!(provider = %route.provider, model = %route.model.name, "routed");
                let routed = (value, runtime.health.clone());
                return Ok(Routed { value: routed, model: route.model.name.clone(), provider: route.provider.clone() });
            }
        }
        Err(outcome.into_error(&request.model))
    }

    /// Attempts one provider, with retries. `Ok(None)` means fail over to the next one.
    async fn try_provider<T, F, Fut>(
        &self,
        runtime: &ProviderRuntime,
        route: &Route,
        request: &ChatRequest,
        call: &F,
        outcome: &mut Outcome,
    ) -> Result<Option<T>, RouteError>
    where
        F: Fn(Arc<dyn ChatModel>, ChatRequest) -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let provider = &route.provider;
        let upstream_request = for_model(request, &route.model);
        for attempt in 0..=runtime.definition.network.max_retries {
            let client = match runtime.admit(&self.policy.breaker, self.clock.now()) {
                Ok(client) => client,
                Err(Refusal::Unavailable(reason)) => {
                    outcome.skipped.push(format!("{provider}: {reason}"));
                    return Ok(None);
                }
                Err(Refusal::Limited(LimitHit { retry_after, .. })) => {
                    tracing::info!(%provider, ?retry_after, "provider rate limit reached; failing over");
                    outcome.last = Some(RouteError::RateLimited { provider: provider.clone(), retry_after });
                    return Ok(None);
                }
            };
            let started = std::time::Instant::now();
            let called = call(client, upstream_request.clone()).await;
            self.watchers.called(provider, started.elapsed(), called.is_ok());
            let error = match called {
                Ok(value) => {
                    runtime.health.succeeded();
                    return Ok(Some(value));
                }
                Err(error) if !error.is_retryable() => {
                    runtime.health.succeeded();
                    return Err(rejected(provider, error));
                }
                Err(error) => error,
            };
            tracing::warn!(%provider, attempt, %error, "provider call failed");
            if runtime.health.failed(&self.policy.breaker, self.clock.now(), error.to_string()) {
                self.watchers.opened(provider);
            }
            let wait = self.policy.backoff.delay(attempt, rand::random::<f64>(), error.retry_after());
            outcome.last = Some(failure(provider, error));
            if attempt == runtime.definition.network.max_retries || wait > self.policy.max_retry_wait {
                break;
            }
            self.timer.sleep(wait).await;
        }
        Ok(None)
    }

    /// Counts the stream's tokens against its provider's limits as they are reported, and its failures against
    /// the provider's breaker.
    fn metered(&self, stream: ChatStream, health: Arc<Health>, provider: ProviderName) -> ChatStream {
        let clock = self.clock.clone();
        let breaker = self.policy.breaker;
        let watchers = self.watchers.clone();
        stream
            .inspect(move |item| match item {
                Ok(StreamEvent::Usage(usage)) => health.record_tokens(clock.now(), usage.total()),
                Err(error) if error.is_retryable() && health.failed(&breaker, clock.now(), error.to_string()) => {
                    watchers.opened(&provider);
                }
                _ => {}
            })
            .boxed()
    }

    /// The model `name` resolves to first (a model name, a tier, an upstream id), if any.
    #[must_use]
    pub fn model_of(&self, name: &str) -> Option<ModelSpec> {
        resolve(&self.snapshot().providers, name).into_iter().next().map(|route| route.model)
    }

    /// Every configured model with its availability, in configuration order.
    #[must_use]
    pub fn models(&self) -> Vec<ModelStatus> {
        let registry = self.snapshot();
        let now = self.clock.now();
        registry
            .providers
            .iter()
            .flat_map(|provider| {
                let status = registry.runtimes.get(&provider.name).map(|r| status(r, now));
                provider.models.iter().map(move |model| ModelStatus {
                    provider: provider.name.clone(),
                    model: model.clone(),
                    available: status.as_ref().is_some_and(|s| s.available),
                    reason: status.as_ref().and_then(|s| s.reason.clone()),
                })
            })
            .collect()
    }

    /// Every provider the router knows, with its live state, in configuration order.
    #[must_use]
    pub fn provider_states(&self) -> Vec<(ProviderName, ProviderStatus)> {
        let (registry, now) = (self.snapshot(), self.clock.now());
        registry
            .providers
            .iter()
            .filter_map(|p| registry.runtimes.get(&p.name).map(|runtime| (p.name.clone(), status(runtime, now))))
            .collect()
    }

    /// The live state of one provider, when it is known.
    #[must_use]
    pub fn provider_status(&self, name: &ProviderName) -> Option<ProviderStatus> {
        self.snapshot().runtimes.get(name).map(|runtime| status(runtime, self.clock.now()))
    }

    /// The price of `model` (a model's name) on `provider` as configured now; free when either is unknown.
    #[must_use]
    pub fn price(&self, provider: &str, model: &str) -> ModelPrice {
        let registry = self.snapshot();
        let provider = registry.providers.iter().find(|p| p.name.as_ref() == provider);
        provider.and_then(|p| p.models.iter().find(|m| m.name == model)).map(|m| m.price).unwrap_or_default()
    }

    /// The client of one provider, even when it is disabled, for operator actions (model discovery).
    ///
    /// # Errors
    /// Why there is none: an unknown provider, or the reason its client cannot be built.
    pub fn client(&self, name: &ProviderName) -> Result<Arc<dyn ChatModel>, String> {
        let registry = self.snapshot();
        let runtime = registry.runtimes.get(name).ok_or_else(|| format!("unknown provider '{name}'"))?;
        runtime.client()
    }
}

/// The request as sent to one model: its upstream id, and no tools when it cannot call them.
fn for_model(request: &ChatRequest, model: &ModelSpec) -> ChatRequest {
    let mut call = request.clone();
    call.model.clone_from(&model.upstream_id);
    if !model.supports_tools && !call.tools.is_empty() {
        tracing::debug!(model = %model.name, "model does not support tools: tools dropped");
        call.tools.clear();
    }
    call
}

fn rejected(provider: &ProviderName, error: ProviderError) -> RouteError {
    match error {
        ProviderError::Status { status, message, .. } => {
            RouteError::Rejected { provider: provider.clone(), status, message }
        }
        other => RouteError::Failed { provider: provider.clone(), error: other },
    }
}

fn failure(provider: &ProviderName, error: ProviderError) -> RouteError {
    match error {
        ProviderError::Status { status: 429, retry_after, .. } => RouteError::RateLimited {
            provider: provider.clone(),
            retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        },
        error => RouteError::Failed { provider: provider.clone(), error },
    }
}

/// Waits for the stream's first event: an error before it is a failed attempt, worth failing over.
async fn first_event(mut stream: ChatStream) -> Result<ChatStream, ProviderError> {
    match stream.next().await {
        Some(Err(error)) => Err(error),
        Some(Ok(first)) => Ok(futures_util::stream::once(async move { Ok(first) }).chain(stream).boxed()),
        None => Ok(stream),
    }
}

fn status(runtime: &ProviderRuntime, now: DateTime<Utc>) -> ProviderStatus {
    let breaker = runtime.health.breaker();
    let windows = runtime.health.windows();
    let circuit = breaker.state(now);
    let reason = runtime
        .unavailable_reason()
        .or_else(|| matches!(circuit, BreakerState::Open { .. }).then(|| circuit_reason(&breaker, now)));
    ProviderStatus {
        available: reason.is_none(),
        reason,
        circuit,
        consecutive_failures: breaker.consecutive_failures(),
        last_error: breaker.last_error().map(|(error, at)| (error.to_owned(), at)),
        requests_today: windows.requests_today(now),
        tokens_this_minute: windows.tokens_this_minute(now),
    }
}
