//! Alert webhooks: each new alert is POSTed as JSON to every webhook that wants its severity, once, retried with
//! exponential backoff on a failure, in a tracked background task (never on a client's request). Deliveries and
//! failures are counted for the metrics. A webhook's URL often carries its secret (Slack's, Teams'), so it is
//! never logged: failures name the webhook by its place in the configuration. At shutdown, retries stop waiting.

use std::sync::atomic::AtomicBool;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ares_application::ports::{AlertSink, Background};
use ares_domain::{Alert, Severity};
use chrono::SecondsFormat;
use serde::Serialize;

/// One webhook: where, and which severities it wants.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub severities: Vec<Severity>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").field("url", &"<redacted>").field("severities", &self.severities).finish()
    }
}

/// How deliveries are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Tries per alert and webhook, the first included.
    pub attempts: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub backoff: Duration,
    /// How long one try may take.
    pub timeout: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery { attempts: 5, backoff: Duration::from_millis(500), timeout: Duration::from_secs(10) }
    }
}

/// What the webhooks did, for the metrics.
#[derive(Debug, Default)]
pub struct WebhookCounters {
    pub delivered: AtomicU64,
    /// Tries that failed (each retry counts).
    pub failed_attempts: AtomicU64,
    /// Alerts a webhook never took, after every try.
    pub dropped: AtomicU64,
}

/// The alert as a webhook receives it.
#[derive(Serialize)]
struct Payload<'a> {
    id: String,
    severity: &'static str,
    kind: &'a str,
    message: &'a str,
    tenant_id: Option<String>,
    created_at: String,
    resolved: bool,
}

impl<'a> From<&'a Alert> for Payload<'a> {
    fn from(alert: &'a Alert) -> Self {
        Payload {
            id: alert.id.to_string(),
            severity: alert.severity.as_str(),
            kind: &alert.kind,
            message: &alert.message,
            tenant_id: alert.tenant_id.map(|id| id.to_string()),
            created_at: alert.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            resolved: alert.resolved,
        }
    }
}

/// Delivers alerts to webhooks.
pub struct Webhooks {
    hooks: Arc<[Webhook]>,
    client: reqwest::Client,
    delivery: Delivery,
    background: Arc<dyn Background>,
    counters: Arc<WebhookCounters>,
    stopping: Arc<Stopping>,
}

/// Set at shutdown: deliveries make no further try and wait no longer.
#[derive(Default)]
struct Stopping {
    stopped: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Webhooks {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        hooks: Vec<Webhook>,
        delivery: Delivery,
        background: Arc<dyn Background>,
    ) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        let client = reqwest::Client::builder().timeout(delivery.timeout).build()?;
        let (counters, stopping) = (Arc::default(), Arc::default());
        Ok(Webhooks { hooks: hooks.into(), client, delivery, background, counters, stopping })
    }

    /// Stops retrying: a delivery waiting for its next try gives up at once (counted as dropped), so shutdown does
    /// not wait out the backoff of an unreachable webhook.
    pub fn stop(&self) {
        self.stopping.stopped.store(true, Ordering::Release);
        self.stopping.notify.notify_waiters();
    }

    /// What the webhooks did so far.
    #[must_use]
    pub fn counters(&self) -> Arc<WebhookCounters> {
        self.counters.clone()
    }
}

impl AlertSink for Webhooks {
    fn deliver(&self, alert: &Alert) {
        let Ok(body) = serde_json::to_vec(&Payload::from(alert)) else { return };
        for (index, hook) in self.hooks.iter().enumerate() {
            if !hook.severities.contains(&alert.severity) {
                continue;
            }
            let target = Target { client: self.client.clone(), url: hook.url.clone(), index };
            let (delivery, counters, stopping) = (self.delivery, self.counters.clone(), self.stopping.clone());
            let body = body.clone();
            self.background.spawn(Box::pin(async move { post(&target, body, delivery, &counters, &stopping).await }));
        }
    }
}

/// Where one delivery goes: the client, the URL (never logged), and the webhook's place in the configuration.
struct Target {
    client: reqwest::Client,
    url: String,
    index: usize,
}

/// POSTs `body` until it is taken (a 2xx), every try failed, or shutdown stopped the retries.
async fn post(target: &Target, body: Vec<u8>, delivery: Delivery, counters: &WebhookCounters, stopping: &Stopping) {
    let webhook = target.index;
    let mut wait = delivery.backoff;
    for attempt in 1..=delivery.attempts.max(1) {
        let request = target.client.post(&target.url).header("content-type", "application/json");
        match request.body(body.clone()).send().await {
            Ok(response) if response.status().is_success() => {
                counters.delivered.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(response) => tracing::warn!(webhook, attempt, status = %response.status(), "alert webhook refused"),
            Err(err) => tracing::warn!(webhook, attempt, error = %err.without_url(), "alert webhook unreachable"),
        }
        counters.failed_attempts.fetch_add(1, Ordering::Relaxed);
        if attempt == delivery.attempts || !wait_unless_stopping(wait, stopping).await {
            break;
        }
        wait = wait.saturating_mul(2);
    }
    counters.dropped.fetch_add(1, Ordering::Relaxed);
    tracing::error!(webhook, "alert webhook gave up: the alert was not delivered");
}

/// Waits `wait`; `false` when shutdown began first (or had already).
async fn wait_unless_stopping(wait: Duration, stopping: &Stopping) -> bool {
    let stopped = stopping.notify.notified();
    if stopping.stopped.load(Ordering::Acquire) {
        return false;
    }
    tokio::select! {
        () = tokio::time::sleep(wait) => true,
        () = stopped => false,
    }
}

/// Installs the process's TLS crypto provider (ring) once: reqwest speaks HTTPS through rustls, which needs one.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| drop(rustls::crypto::ring::default_provider().install_default()));
}
