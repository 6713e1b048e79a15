//! Alerts: what operators list and resolve, and the watch that raises them. The watch hears of every recorded
//! request and every refusal (a `UsageObserver`) and of every circuit that opens (a `CircuitWatcher`); it raises
//! an alert the first time a condition holds in its period, in the background, never on the request's path. Each
//! instance remembers the conditions it has seen raised, so a tenant over 80% of its quota costs one store write
//! per instance and period, not one per request; the store's unique key keeps it to one alert across instances.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use ares_domain::{
    Actor, Alert, AlertId, AuditEntry, Counters, NewAlert, Payer, Period, ProviderName, QuotaAlarm, QuotaExceeded,
    Tier, TierQuotas, UsageEvent,
};

use super::router::ProviderWatcher;
use crate::ports::{
    AlertFilter, AlertRepository, AlertSink, Background, Clock, RepoError, TenantRepository, UsageObserver,
};

/// How many raised conditions an instance remembers before it starts over (the store still de-duplicates).
const REMEMBERED: usize = 10_000;

/// What an alert operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("Alert not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for AlertError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

/// Listing and resolving alerts.
pub struct Alerts {
    alerts: Arc<dyn AlertRepository>,
    clock: Arc<dyn Clock>,
}

impl Alerts {
    #[must_use]
    pub fn new(alerts: Arc<dyn AlertRepository>, clock: Arc<dyn Clock>) -> Self {
        Alerts { alerts, clock }
    }

    /// The alerts `filter` selects, newest first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, AlertError> {
        Ok(self.alerts.list(filter).await?)
    }

    /// Marks an alert resolved; the alert.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn resolve(&self, id: AlertId, actor: &Actor) -> Result<Alert, AlertError> {
        let now = self.clock.now();
        let audit = AuditEntry::new(actor, "alert.resolved", now).target("alert", id);
        self.alerts.resolve(id, now, &audit).await?.ok_or(AlertError::NotFound)
    }
}

/// Raises alerts when usage or providers call for one.
#[derive(Clone)]
pub struct AlertWatch {
    inner: Arc<Watch>,
}

/// What the watch needs to raise alerts.
pub struct WatchPorts {
    pub alerts: Arc<dyn AlertRepository>,
    pub tenants: Arc<dyn TenantRepository>,
    pub sink: Arc<dyn AlertSink>,
    pub background: Arc<dyn Background>,
    pub clock: Arc<dyn Clock>,
}

struct Watch {
    ports: WatchPorts,
    quotas: TierQuotas,
    raised: Mutex<HashSet<String>>,
}

impl AlertWatch {
    #[must_use]
    pub fn new(ports: WatchPorts, quotas: TierQuotas) -> Self {
        AlertWatch { inner: Arc::new(Watch { ports, quotas, raised: Mutex::default() }) }
    }

    /// Raises `alarm`'s alert in the background, unless this instance saw it raised already.
    fn sound(&self, alarm: QuotaAlarm) {
        let key = alarm.key();
        if !self.inner.remember(&key) {
            return;
        }
        let watch = self.inner.clone();
        self.inner.ports.background.spawn(Box::pin(async move {
            let tenant = match watch.ports.tenants.find(alarm.tenant_id).await {
                Ok(Some(tenant)) => tenant,
                Ok(None) => return,
                Err(err) => return watch.failed(&key, &err),
            };
            watch.raise(alarm.alert(tenant.name.as_ref())).await;
        }));
    }

    /// Raises `alert` in the background, unless this instance saw it raised already.
    fn raise(&self, alert: NewAlert) {
        if !self.inner.remember(&alert.key) {
            return;
        }
        let watch = self.inner.clone();
        self.inner.ports.background.spawn(Box::pin(async move { watch.raise(alert).await }));
    }
}

impl Watch {
    /// Notes `key` as raised; `false` when it was already.
    fn remember(&self, key: &str) -> bool {
        let mut raised = self.raised.lock().unwrap_or_else(PoisonError::into_inner);
        if raised.contains(key) {
            return false;
        }
        if raised.len() >= REMEMBERED {
            raised.clear();
        }
        raised.insert(key.to_owned())
    }

    /// Stores the alert; a new one goes to the sink.
    async fn raise(&self, alert: NewAlert) {
        match self.ports.alerts.raise(&alert, self.ports.clock.now()).await {
            Ok(Some(raised)) => {
                tracing::warn!(alert.id = %raised.id, severity = %raised.severity, message = %raised.message, "alert raised");
                self.ports.sink.deliver(&raised);
            }
            Ok(None) => {}
            Err(err) => self.failed(&alert.key, &err),
        }
    }

    /// The alert could not be raised: forgotten, so the next request that finds its condition tries again.
    fn failed(&self, key: &str, err: &RepoError) {
        tracing::warn!(error = %err, "cannot raise an alert; the next request that calls for it tries again");
        self.raised.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }
}

impl UsageObserver for AlertWatch {
    fn settled(&self, event: &UsageEvent, tier: Tier, counters: &Counters, period: &Period) {
        let Some(tenant_id) = event.payer.tenant() else { return };
        let quota = self.inner.quotas.of(tier);
        for alarm in QuotaAlarm::of_usage(tenant_id, &quota, counters, period) {
            self.sound(alarm);
        }
    }

    /// Users' limits raise no alert: alerts are about client companies and the platform.
    fn refused(&self, payer: Payer, _tier: Tier, limit: QuotaExceeded, period: &Period) {
        if let Some(tenant_id) = payer.tenant() {
            self.sound(QuotaAlarm::of_refusal(tenant_id, limit, period));
        }
    }
}

impl ProviderWatcher for AlertWatch {
    fn circuit_opened(&self, provider: &ProviderName) {
        let period = Period::at(self.inner.ports.clock.now());
        self.raise(NewAlert::circuit_opened(provider.as_ref(), &period));
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{Quota, Severity, Tenant, TenantId, TenantName};
    use chrono::{TimeZone, Utc};
    use futures_util::future::BoxFuture;

    use super::*;
    use crate::ports::{MockAlertRepository, MockAlertSink, MockClock, MockTenantRepository};

    /// Runs background work at once, on the test's runtime, and keeps the handles to wait for.
    #[derive(Default)]
    struct Spawned(Mutex<Vec<tokio::task::JoinHandle<()>>>);

    impl Background for Spawned {
        fn spawn(&self, task: BoxFuture<'static, ()>) {
            self.0.lock().unwrap().push(tokio::spawn(task));
        }
    }

    impl Spawned {
        async fn wait(&self) {
            let handles: Vec<_> = self.0.lock().unwrap().drain(..).collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    }

    fn watch(alerts: MockAlertRepository, sink: MockAlertSink, background: Arc<Spawned>) -> AlertWatch {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_find().returning(|id| {
            let mut tenant = Tenant::new(TenantName::parse("acme-corp").unwrap(), Tier::Free, None, Utc::now());
            tenant.id = id;
            Ok(Some(tenant))
        });
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Utc.with_ymd_and_hms(2026, 3, 13, 10, 0, 0).unwrap());
        let ports = WatchPorts {
            alerts: Arc::new(alerts),
            tenants: Arc::new(tenants),
            sink: Arc::new(sink),
            background,
            clock: Arc::new(clock),
        };
        AlertWatch::new(ports, TierQuotas::default())
    }

    fn event(tenant_id: TenantId) -> UsageEvent {
        UsageEvent {
            id: ares_domain::UsageEventId::new(),
            payer: Payer::Tenant(tenant_id),
            api_key_id: None,
            endpoint: "POST /v1/chat".into(),
            agent: None,
            model: None,
            provider: None,
            tokens_in: 1,
            tokens_out: 1,
            estimated: false,
            latency_ms: 1,
            status: 200,
            cost_nanos: 0,
            at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn a_tenant_over_its_threshold_on_every_request_raises_one_alert_and_delivers_it_once() {
        let mut alerts = MockAlertRepository::new();
        alerts
            .expect_raise()
            .withf(|alert, _| {
                alert.message == "Tenant acme-corp approaching token quota (92%)"
                    && alert.severity == Severity::Critical
            })
            .times(1)
            .returning(|alert, at| Ok(Some(alert.raised(at))));
        let mut sink = MockAlertSink::new();
        sink.expect_deliver().times(1).return_const(());
        let background = Arc::new(Spawned::default());
        let watch = watch(alerts, sink, background.clone());
        let tenant = TenantId::new();
        let period = Period::at(Utc::now());
        let free: Quota = TierQuotas::default().of(Tier::Free);
        let counters = Counters { month_tokens: free.monthly_tokens.unwrap() * 92 / 100, ..Counters::default() };
        for _ in 0..5 {
            watch.settled(&event(tenant), Tier::Free, &counters, &period);
        }
        background.wait().await;
    }

    #[tokio::test]
    async fn an_alert_the_store_already_has_is_not_delivered_again() {
        let mut alerts = MockAlertRepository::new();
        alerts.expect_raise().times(1).returning(|_, _| Ok(None));
        let mut sink = MockAlertSink::new();
        sink.expect_deliver().never();
        let background = Arc::new(Spawned::default());
        let watch = watch(alerts, sink, background.clone());
        watch.refused(
            Payer::Tenant(TenantId::new()),
            Tier::Free,
            QuotaExceeded::DailyRequests,
            &Period::at(Utc::now()),
        );
        background.wait().await;
    }

    #[tokio::test]
    async fn an_alert_that_could_not_be_stored_is_tried_again_by_the_next_request() {
        let mut alerts = MockAlertRepository::new();
        let mut calls = 0;
        alerts.expect_raise().times(2).returning(move |alert, at| {
            calls += 1;
            if calls == 1 { Err(RepoError::Unexpected(anyhow::anyhow!("down"))) } else { Ok(Some(alert.raised(at))) }
        });
        let mut sink = MockAlertSink::new();
        sink.expect_deliver().times(1).return_const(());
        let background = Arc::new(Spawned::default());
        let watch = watch(alerts, sink, background.clone());
        let provider = ProviderName::parse("groq").unwrap();
        watch.circuit_opened(&provider);
        background.wait().await;
        watch.circuit_opened(&provider);
        background.wait().await;
    }
}
