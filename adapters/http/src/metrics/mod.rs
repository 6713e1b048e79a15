//! The metrics Prometheus scrapes, kept in process: what each recorded request used (by endpoint, tier, provider
//! and model; by tenant only when configured), quota refusals, every HTTP answer by route and status, the gateway's
//! own time and the upstream's as histograms, and gauges read when rendered (circuits, pools, the metering
//! pipeline, webhooks). Rendering reads these counters only, never the database. Every family is bounded: labels
//! come from the route table, the four tiers and the configured providers, and a family that still reaches
//! `MAX_SERIES` label sets folds new ones into `other`.

mod exposition;
mod middleware;

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use ares_application::ports::UsageObserver;
use ares_application::usecases::ProviderWatcher;
use ares_domain::{Counters, Payer, Period, ProviderName, QuotaExceeded, Tier, UsageEvent, UsageFigures};

use self::exposition::{Exposition, Histogram, OTHER, Series, count_value};
pub use self::middleware::observe_requests;

/// The gateway's own time per request, in seconds: sub-millisecond buckets, where its overhead lives.
const OVERHEAD_BUCKETS: &[f64] =
    &[0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
/// An upstream call's time, in seconds.
const UPSTREAM_BUCKETS: &[f64] = &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

/// The labels of one usage series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct UsageKey {
    endpoint: String,
    tier: &'static str,
    provider: String,
    model: String,
    /// Empty unless tenant labels are on.
    tenant: String,
}

impl UsageKey {
    fn other(tier: &'static str) -> Self {
        let other = || OTHER.to_owned();
        UsageKey { endpoint: other(), tier, provider: other(), model: other(), tenant: String::new() }
    }
}

/// A usage family: its name, its help, and how to read its value from a series' figures.
type UsageFamily = (&'static str, &'static str, fn(&UsageFigures) -> f64);

#[derive(Debug)]
struct UpstreamFigures {
    latency: Histogram,
    failures: u64,
}

/// A gauge's samples, read when the exposition is rendered.
pub type GaugeSamples = Vec<(Vec<(&'static str, String)>, f64)>;

struct Gauge {
    kind: &'static str,
    name: &'static str,
    help: &'static str,
    read: Box<dyn Fn() -> GaugeSamples + Send + Sync>,
}

/// The in-process metrics.
pub struct Metrics {
    tenant_labels: bool,
    usage: Mutex<Series<UsageKey, UsageFigures>>,
    refusals: Mutex<Series<(&'static str, &'static str), u64>>,
    answers: Mutex<Series<(String, u16), u64>>,
    overhead: Mutex<Series<String, Histogram>>,
    upstream: Mutex<Series<String, UpstreamFigures>>,
    gauges: RwLock<Vec<Gauge>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Metrics {
    /// Series are labelled by tenant too when `tenant_labels`.
    #[must_use]
    pub fn new(tenant_labels: bool) -> Self {
        Metrics {
            tenant_labels,
            usage: Mutex::default(),
            refusals: Mutex::default(),
            answers: Mutex::default(),
            overhead: Mutex::default(),
            upstream: Mutex::default(),
            gauges: RwLock::default(),
        }
    }

    /// Adds a gauge whose samples `read` gives when the exposition is rendered. `read` must only read memory.
    pub fn gauge(
        &self,
        name: &'static str,
        help: &'static str,
        read: impl Fn() -> GaugeSamples + Send + Sync + 'static,
    ) {
        self.read_on_render("gauge", name, help, Box::new(read));
    }

    /// Adds a counter kept elsewhere (an atomic), read when the exposition is rendered.
    pub fn counter(
        &self,
        name: &'static str,
        help: &'static str,
        read: impl Fn() -> GaugeSamples + Send + Sync + 'static,
    ) {
        self.read_on_render("counter", name, help, Box::new(read));
    }

    fn read_on_render(
        &self,
        kind: &'static str,
        name: &'static str,
        help: &'static str,
        read: Box<dyn Fn() -> GaugeSamples + Send + Sync>,
    ) {
        self.gauges.write().unwrap_or_else(PoisonError::into_inner).push(Gauge { kind, name, help, read });
    }

    /// An HTTP answer on `endpoint` (`POST /v1/chat`) with `status`, which took `total`, `upstream` of it waiting
    /// on providers.
    pub(crate) fn answered(&self, endpoint: &str, status: u16, total: Duration, upstream: Duration) {
        let other = || (OTHER.to_owned(), status);
        *locked(&self.answers).entry((endpoint.to_owned(), status), other, || 0) += 1;
        let own = total.saturating_sub(upstream).as_secs_f64();
        let histogram = || Histogram::new(OVERHEAD_BUCKETS);
        locked(&self.overhead).entry(endpoint.to_owned(), || OTHER.to_owned(), histogram).observe(own);
    }

    /// The exposition, from the counters in memory.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = Exposition::default();
        self.render_usage(&mut out);
        self.render_answers(&mut out);
        self.render_upstream(&mut out);
        self.render_gauges(&mut out);
        out.finish()
    }

    fn render_usage(&self, out: &mut Exposition) {
        let usage = locked(&self.usage);
        let families: [UsageFamily; 5] = [
            ("ares_requests_total", "Metered requests recorded.", |f| count_value(f.requests)),
            ("ares_request_failures_total", "Metered requests answered with a status of 400 or more.", |f| {
                count_value(f.failures)
            }),
            ("ares_tokens_in_total", "Prompt tokens of recorded requests.", |f| count_value(f.tokens_in)),
            ("ares_tokens_out_total", "Completion tokens of recorded requests.", |f| count_value(f.tokens_out)),
            ("ares_cost_usd_total", "What recorded requests cost, in US dollars, at their models' prices.", |f| {
                ares_domain::usage::usd(f.cost_nanos)
            }),
        ];
        for (name, help, value) in families {
            out.family(name, "counter", help);
            for (key, figures) in usage.iter() {
                out.sample(name, &self.usage_labels(key), value(figures));
            }
        }
        drop(usage);
        out.family("ares_quota_rejections_total", "counter", "Requests refused by a tier limit.");
        for ((tier, limit), count) in locked(&self.refusals).iter() {
            out.sample("ares_quota_rejections_total", &[("tier", tier), ("limit", limit)], count_value(*count));
        }
    }

    fn usage_labels<'k>(&self, key: &'k UsageKey) -> Vec<(&'static str, &'k str)> {
        let mut labels = vec![
            ("endpoint", key.endpoint.as_str()),
            ("tier", key.tier),
            ("provider", key.provider.as_str()),
            ("model", key.model.as_str()),
        ];
        if self.tenant_labels {
            labels.push(("tenant", key.tenant.as_str()));
        }
        labels
    }

    fn render_answers(&self, out: &mut Exposition) {
        out.family("ares_http_requests_total", "counter", "HTTP answers, by route and status.");
        for ((endpoint, status), count) in locked(&self.answers).iter() {
            let status = status.to_string();
            out.sample("ares_http_requests_total", &[("endpoint", endpoint), ("status", &status)], count_value(*count));
        }
        let name = "ares_gateway_overhead_seconds";
        out.family(name, "histogram", "Time to the response head, less the time spent waiting on providers.");
        for (endpoint, histogram) in locked(&self.overhead).iter() {
            out.histogram(name, &[("endpoint", endpoint)], histogram);
        }
    }

    fn render_upstream(&self, out: &mut Exposition) {
        let upstream = locked(&self.upstream);
        let name = "ares_upstream_latency_seconds";
        out.family(name, "histogram", "Provider calls, until the answer (for a stream, its first event).");
        for (provider, figures) in upstream.iter() {
            out.histogram(name, &[("provider", provider)], &figures.latency);
        }
        out.family("ares_upstream_failures_total", "counter", "Provider calls that failed.");
        for (provider, figures) in upstream.iter() {
            out.sample("ares_upstream_failures_total", &[("provider", provider)], count_value(figures.failures));
        }
    }

    fn render_gauges(&self, out: &mut Exposition) {
        for gauge in self.gauges.read().unwrap_or_else(PoisonError::into_inner).iter() {
            out.family(gauge.name, gauge.kind, gauge.help);
            for (labels, value) in (gauge.read)() {
                let labels: Vec<(&str, &str)> = labels.iter().map(|(name, value)| (*name, value.as_str())).collect();
                out.sample(gauge.name, &labels, value);
            }
        }
    }
}

impl UsageObserver for Metrics {
    fn settled(&self, event: &UsageEvent, tier: Tier, _counters: &Counters, _period: &Period) {
        let key = UsageKey {
            endpoint: event.endpoint.clone(),
            tier: tier.as_str(),
            provider: event.provider.clone().unwrap_or_default(),
            // A model a provider was called for is a configured one; any other name is the client's own text.
            model: if event.provider.is_some() { event.model.clone().unwrap_or_default() } else { String::new() },
            // Users are many: only tenants are labelled.
            tenant: match event.payer.tenant() {
                Some(id) if self.tenant_labels => id.to_string(),
                _ => String::new(),
            },
        };
        let mut usage = locked(&self.usage);
        let figures = usage.entry(key, || UsageKey::other(tier.as_str()), UsageFigures::default);
        figures.requests += 1;
        figures.failures += u64::from(event.status >= 400);
        figures.tokens_in += event.tokens_in;
        figures.tokens_out += event.tokens_out;
        figures.cost_nanos += event.cost_nanos;
    }

    fn refused(&self, _payer: Payer, tier: Tier, limit: QuotaExceeded, _period: &Period) {
        let limit = match limit {
            QuotaExceeded::DailyRequests => "daily_requests",
            QuotaExceeded::MonthlyRequests => "monthly_requests",
            QuotaExceeded::MonthlyTokens => "monthly_tokens",
        };
        *locked(&self.refusals).entry((tier.as_str(), limit), || (tier.as_str(), OTHER), || 0) += 1;
    }
}

impl ProviderWatcher for Metrics {
    fn called(&self, provider: &ProviderName, elapsed: Duration, ok: bool) {
        let init = || UpstreamFigures { latency: Histogram::new(UPSTREAM_BUCKETS), failures: 0 };
        let mut upstream = locked(&self.upstream);
        let figures = upstream.entry(provider.to_string(), || OTHER.to_owned(), init);
        figures.latency.observe(elapsed.as_secs_f64());
        figures.failures += u64::from(!ok);
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::UsageEventId;
    use chrono::Utc;

    use super::*;

    fn event(model: &str, status: u16) -> UsageEvent {
        UsageEvent {
            id: UsageEventId::new(),
            payer: Payer::Tenant(ares_domain::TenantId::new()),
            api_key_id: None,
            endpoint: "POST /v1/chat".into(),
            agent: None,
            model: Some(model.into()),
            provider: Some("groq".into()),
            tokens_in: 30,
            tokens_out: 12,
            estimated: false,
            latency_ms: 5,
            status,
            cost_nanos: 2_460,
            at: Utc::now(),
        }
    }

    #[test]
    fn recorded_requests_add_up_by_endpoint_tier_provider_and_model_without_tenants() {
        let metrics = Metrics::new(false);
        let period = Period::at(Utc::now());
        for status in [200, 200, 502] {
            metrics.settled(&event("llama-3.1-8b", status), Tier::Pro, &Counters::default(), &period);
        }
        metrics.refused(Payer::Tenant(ares_domain::TenantId::new()), Tier::Free, QuotaExceeded::DailyRequests, &period);
        let text = metrics.render();
        let labels = "endpoint=\"POST /v1/chat\",tier=\"pro\",provider=\"groq\",model=\"llama-3.1-8b\"";
        assert!(text.contains(&format!("ares_requests_total{{{labels}}} 3\n")), "{text}");
        assert!(text.contains(&format!("ares_request_failures_total{{{labels}}} 1\n")), "{text}");
        assert!(text.contains(&format!("ares_tokens_in_total{{{labels}}} 90\n")), "{text}");
        assert!(text.contains("ares_quota_rejections_total{tier=\"free\",limit=\"daily_requests\"} 1\n"), "{text}");
        assert!(!text.contains("tenant="), "no tenant labels unless configured");
    }

    #[test]
    fn tenant_labels_are_opt_in() {
        let metrics = Metrics::new(true);
        let event = event("m", 200);
        metrics.settled(&event, Tier::Pro, &Counters::default(), &Period::at(Utc::now()));
        let tenant = event.payer.tenant().map(|id| id.to_string()).unwrap_or_default();
        assert!(metrics.render().contains(&format!("tenant=\"{tenant}\"")));
    }

    #[test]
    fn answers_split_the_gateways_time_from_the_upstreams() {
        let metrics = Metrics::new(false);
        metrics.answered("POST /v1/chat", 200, Duration::from_millis(120), Duration::from_millis(119));
        metrics.called(&ProviderName::parse("groq").unwrap(), Duration::from_millis(119), true);
        metrics.gauge("ares_metering_unsettled", "Requests admitted and not yet recorded.", || vec![(vec![], 2.0)]);
        let text = metrics.render();
        assert!(text.contains("ares_http_requests_total{endpoint=\"POST /v1/chat\",status=\"200\"} 1\n"), "{text}");
        assert!(
            text.contains("ares_gateway_overhead_seconds_bucket{endpoint=\"POST /v1/chat\",le=\"0.001\"} 1\n"),
            "one millisecond of its own: {text}"
        );
        assert!(text.contains("ares_upstream_latency_seconds_bucket{provider=\"groq\",le=\"0.25\"} 1\n"), "{text}");
        assert!(text.contains("ares_metering_unsettled 2\n"), "{text}");
    }
}
