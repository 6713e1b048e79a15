//! Pure routing policies: which models serve a request and in what order, how long to wait before a retry, when a
//! failing provider is skipped (circuit breaker), and whether a provider's own rate limits admit one more call.
//! Time is always passed in, so every policy is tested without a clock.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};

use crate::{ModelPrice, ModelSpec, ModelTier, Provider, ProviderLimits, ProviderName};

/// The longest failover chain a request walks, fallbacks of fallbacks included.
pub const MAX_CHAIN: usize = 8;

/// One model a request may be sent to, with the provider that serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub provider: ProviderName,
    pub model: ModelSpec,
}

/// The models that may serve `target`, in the order to try them: a model name, else every model of a tier, else a
/// model the upstreams call by that id (configured or discovered); then each one's fallbacks. Disabled providers
/// are kept in the chain (the caller reports why they were skipped). Empty when nothing matches.
#[must_use]
pub fn resolve(providers: &[Provider], target: &str) -> Vec<Route> {
    let all = || providers.iter().flat_map(|p| p.models.iter().map(move |m| (p, m)));
    let mut chain: Vec<Route> = all().filter(|(_, m)| m.name == target).map(route).collect();
    if chain.is_empty()
        && let Ok(tier) = target.parse::<ModelTier>()
    {
        chain = all().filter(|(_, m)| m.tier == Some(tier)).map(route).collect();
    }
    if chain.is_empty() {
        chain = all().filter(|(_, m)| m.upstream_id == target).map(route).take(1).collect();
    }
    if chain.is_empty() {
        chain = providers
            .iter()
            .filter(|p| p.enabled && p.discovered_models.iter().any(|id| id == target))
            .map(|p| Route { provider: p.name.clone(), model: discovered(target) })
            .take(1)
            .collect();
    }
    let mut next = 0;
    while next < chain.len() && chain.len() < MAX_CHAIN {
        let fallbacks = chain[next].model.fallbacks.clone();
        for name in fallbacks {
            if let Some(found) = all().find(|(_, m)| m.name == name)
                && !chain.iter().any(|r| r.model.name == name)
                && chain.len() < MAX_CHAIN
            {
                chain.push(route(found));
            }
        }
        next += 1;
    }
    chain
}

fn route((provider, model): (&Provider, &ModelSpec)) -> Route {
    Route { provider: provider.name.clone(), model: model.clone() }
}

/// A model known only from an upstream's model list: served under its own id, assumed to take tools.
fn discovered(id: &str) -> ModelSpec {
    ModelSpec {
        name: id.to_owned(),
        upstream_id: id.to_owned(),
        context_length: None,
        supports_tools: true,
        tier: None,
        fallbacks: vec![],
        price: ModelPrice::default(),
    }
}

/// Exponential backoff with jitter between attempts on one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait before retry number `attempt` (0 for the first retry): half of `min(max, base * 2^attempt)`, plus
    /// `jitter` (0 to 1) of the other half, so that clients retrying together spread out. A `Retry-After` the
    /// upstream sent is a floor.
    #[must_use]
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let ceiling = self.base.saturating_mul(2u32.saturating_pow(attempt.min(30))).min(self.max);
        let half = ceiling / 2;
        let computed = half + half.mul_f64(jitter.clamp(0.0, 1.0));
        retry_after.map_or(computed, |floor| floor.max(computed))
    }
}

/// When a provider is skipped after failing: `failure_threshold` failures in a row open the circuit for
/// `cooldown`; then one probe call is let through, and its outcome closes or reopens the circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    pub failure_threshold: u32,
    pub cooldown: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy { failure_threshold: 5, cooldown: Duration::from_secs(30) }
    }
}

/// What the breaker says about a provider right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open {
        until: DateTime<Utc>,
    },
    /// The cooldown is over: the next call is a probe.
    HalfOpen,
}

impl BreakerState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// The circuit breaker of one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breaker {
    consecutive_failures: u32,
    open_until: Option<DateTime<Utc>>,
    probe_started: Option<DateTime<Utc>>,
    last_error: Option<String>,
    last_failure_at: Option<DateTime<Utc>>,
}

impl Breaker {
    /// The state at `now`.
    #[must_use]
    pub fn state(&self, now: DateTime<Utc>) -> BreakerState {
        match self.open_until {
            Some(until) if now < until => BreakerState::Open { until },
            Some(_) => BreakerState::HalfOpen,
            None => BreakerState::Closed,
        }
    }

    /// Whether a call may go to the provider at `now`. In the half-open state only one probe at a time is let
    /// through; a probe that never reported back is given up after a cooldown.
    pub fn try_acquire(&mut self, policy: &BreakerPolicy, now: DateTime<Utc>) -> bool {
        match self.state(now) {
            BreakerState::Closed => true,
            BreakerState::Open { .. } => false,
            BreakerState::HalfOpen => {
                let stale = |started: DateTime<Utc>| now - started >= chrono_duration(policy.cooldown);
                if self.probe_started.is_none_or(stale) {
                    self.probe_started = Some(now);
                    true
                } else {
                    false
                }
            }
        }
    }

    /// A call succeeded: the circuit closes.
    pub fn record_success(&mut self) {
        self.consecutive_failures = 0;
        self.open_until = None;
        self.probe_started = None;
    }

    /// A call failed with a transient error: counted, and the circuit opens at the threshold or when a probe
    /// failed. `true` when this failure opened it (it was not open before).
    pub fn record_failure(&mut self, policy: &BreakerPolicy, now: DateTime<Utc>, error: String) -> bool {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_error = Some(error);
        self.last_failure_at = Some(now);
        let probing = self.probe_started.take().is_some();
        if probing || self.consecutive_failures >= policy.failure_threshold.max(1) {
            let was_open = self.open_until.is_some_and(|until| now < until);
            self.open_until = Some(now + chrono_duration(policy.cooldown));
            return !was_open;
        }
        false
    }

    #[must_use]
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// The last transient error, for operators.
    #[must_use]
    pub fn last_error(&self) -> Option<(&str, DateTime<Utc>)> {
        Some((self.last_error.as_deref()?, self.last_failure_at?))
    }
}

fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// A provider limit that refused a call, and how long until it admits one again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitHit {
    pub limit: LimitKind,
    pub retry_after: Duration,
}

/// Which provider limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    RequestsPerDay,
    TokensPerMinute,
}

/// A provider's usage in its current UTC day and minute, against its own limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitWindows {
    day: Option<NaiveDate>,
    requests_today: u64,
    minute: i64,
    tokens_this_minute: u64,
}

impl LimitWindows {
    /// Admits one call at `now` and counts it, or says which limit refuses it. The token limit admits a call while
    /// the minute's tokens are under it: a call's tokens are only known when it ends.
    ///
    /// # Errors
    /// `LimitHit` with the wait until the window that refused the call rolls over.
    pub fn admit(&mut self, limits: &ProviderLimits, now: DateTime<Utc>) -> Result<(), LimitHit> {
        self.roll(now);
        if let Some(limit) = limits.requests_per_day
            && self.requests_today >= limit
        {
            let midnight = now.date_naive().succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc());
            let wait = midnight.and_then(|m| (m - now).to_std().ok()).unwrap_or(Duration::from_secs(86_400));
            return Err(LimitHit { limit: LimitKind::RequestsPerDay, retry_after: round_up(wait) });
        }
        if let Some(limit) = limits.tokens_per_minute
            && self.tokens_this_minute >= limit
        {
            let into_minute =
                Duration::from_secs(u64::from(now.second())) + Duration::from_nanos(u64::from(now.nanosecond()));
            let wait = Duration::from_secs(60).saturating_sub(into_minute);
            return Err(LimitHit { limit: LimitKind::TokensPerMinute, retry_after: round_up(wait) });
        }
        self.requests_today += 1;
        Ok(())
    }

    /// Counts the tokens a call used, in the minute it ended.
    pub fn record_tokens(&mut self, now: DateTime<Utc>, tokens: u64) {
        self.roll(now);
        self.tokens_this_minute = self.tokens_this_minute.saturating_add(tokens);
    }

    fn roll(&mut self, now: DateTime<Utc>) {
        let day = now.date_naive();
        if self.day != Some(day) {
            self.day = Some(day);
            self.requests_today = 0;
        }
        let minute = now.timestamp().div_euclid(60);
        if self.minute != minute {
            self.minute = minute;
            self.tokens_this_minute = 0;
        }
    }

    /// Requests counted today (UTC) at `now`.
    #[must_use]
    pub fn requests_today(&self, now: DateTime<Utc>) -> u64 {
        if self.day == Some(now.date_naive()) { self.requests_today } else { 0 }
    }

    /// Tokens counted in the minute of `now`.
    #[must_use]
    pub fn tokens_this_minute(&self, now: DateTime<Utc>) -> u64 {
        if self.minute == now.timestamp().div_euclid(60) { self.tokens_this_minute } else { 0 }
    }
}

/// Whole seconds, at least one: what a `retry_after` field can say.
fn round_up(wait: Duration) -> Duration {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Duration::from_secs(seconds.max(1))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{Credential, NetworkConfig, ProviderKind, ProviderSource};

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 13, h, m, s).unwrap()
    }

    fn model(name: &str, tier: Option<ModelTier>, fallbacks: &[&str]) -> ModelSpec {
        ModelSpec {
            name: name.into(),
            upstream_id: format!("up-{name}"),
            context_length: None,
            supports_tools: true,
            tier,
            fallbacks: fallbacks.iter().map(|f| (*f).to_owned()).collect(),
            price: ModelPrice::default(),
        }
    }

    fn provider(name: &str, models: Vec<ModelSpec>) -> Provider {
        Provider {
            name: ProviderName::parse(name).unwrap(),
            kind: ProviderKind::OpenAi,
            base_url: None,
            credential: Credential::None,
            models,
            limits: ProviderLimits::default(),
            network: NetworkConfig::default(),
            enabled: true,
            source: ProviderSource::Config,
            discovered_models: vec!["llama-guard".into()],
            models_refreshed_at: None,
            created_at: at(0, 0, 0),
            updated_at: at(0, 0, 0),
        }
    }

    fn names(chain: &[Route]) -> Vec<String> {
        chain.iter().map(|r| format!("{}/{}", r.provider, r.model.name)).collect()
    }

    fn catalog() -> Vec<Provider> {
        vec![
            provider("a", vec![model("big", Some(ModelTier::Balanced), &["small", "big"]), model("x", None, &["y"])]),
            provider(
                "b",
                vec![model("small", Some(ModelTier::Fast), &["big"]), model("big2", Some(ModelTier::Balanced), &[])],
            ),
            provider("c", vec![model("y", None, &["z"]), model("z", None, &["x"])]),
        ]
    }

    #[test]
    fn a_model_name_comes_first_then_its_fallbacks_once_each() {
        assert_eq!(names(&resolve(&catalog(), "big")), ["a/big", "b/small"]);
        assert_eq!(names(&resolve(&catalog(), "x")), ["a/x", "c/y", "c/z"]);
    }

    #[test]
    fn a_tier_means_every_model_of_it_in_configuration_order() {
        assert_eq!(names(&resolve(&catalog(), "balanced")), ["a/big", "b/big2", "b/small"]);
    }

    #[test]
    fn upstream_ids_and_discovered_models_are_found_last() {
        assert_eq!(names(&resolve(&catalog(), "up-small")), ["b/small", "a/big"]);
        assert_eq!(names(&resolve(&catalog(), "llama-guard")), ["a/llama-guard"]);
        assert!(resolve(&catalog(), "nope").is_empty());
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_honours_retry_after() {
        let backoff = Backoff { base: Duration::from_millis(100), max: Duration::from_secs(1) };
        assert_eq!(backoff.delay(0, 0.0, None), Duration::from_millis(50));
        assert_eq!(backoff.delay(0, 1.0, None), Duration::from_millis(100));
        assert_eq!(backoff.delay(2, 0.5, None), Duration::from_millis(300));
        assert_eq!(backoff.delay(10, 1.0, None), Duration::from_secs(1));
        assert_eq!(backoff.delay(0, 0.0, Some(Duration::from_secs(3))), Duration::from_secs(3));
    }

    #[test]
    fn the_breaker_opens_at_the_threshold_and_probes_after_the_cooldown() {
        let policy = BreakerPolicy { failure_threshold: 3, cooldown: Duration::from_secs(30) };
        let mut breaker = Breaker::default();
        for _ in 0..2 {
            assert!(!breaker.record_failure(&policy, at(12, 0, 0), "503".into()));
        }
        assert!(breaker.try_acquire(&policy, at(12, 0, 0)));
        assert!(breaker.record_failure(&policy, at(12, 0, 0), "connection refused".into()), "this one opened it");
        assert_eq!(breaker.state(at(12, 0, 10)), BreakerState::Open { until: at(12, 0, 30) });
        assert!(!breaker.try_acquire(&policy, at(12, 0, 10)));
        assert_eq!(breaker.last_error(), Some(("connection refused", at(12, 0, 0))));
        assert!(breaker.try_acquire(&policy, at(12, 0, 31)), "one probe after the cooldown");
        assert!(!breaker.try_acquire(&policy, at(12, 0, 32)), "only one probe at a time");
        assert!(breaker.record_failure(&policy, at(12, 0, 33), "503".into()), "the failed probe opened it again");
        assert_eq!(breaker.state(at(12, 0, 34)), BreakerState::Open { until: at(12, 1, 3) });
        assert!(breaker.try_acquire(&policy, at(12, 1, 4)));
        breaker.record_success();
        assert_eq!(breaker.state(at(12, 1, 5)), BreakerState::Closed);
        assert_eq!(breaker.consecutive_failures(), 0);
    }

    #[test]
    fn a_probe_that_never_reports_back_is_given_up() {
        let policy = BreakerPolicy { failure_threshold: 1, cooldown: Duration::from_secs(10) };
        let mut breaker = Breaker::default();
        let _ = breaker.record_failure(&policy, at(12, 0, 0), "x".into());
        assert!(breaker.try_acquire(&policy, at(12, 0, 10)));
        assert!(!breaker.try_acquire(&policy, at(12, 0, 15)));
        assert!(breaker.try_acquire(&policy, at(12, 0, 20)));
    }

    #[test]
    fn requests_per_day_reset_at_utc_midnight() {
        let limits = ProviderLimits { requests_per_day: Some(2), tokens_per_minute: None };
        let mut windows = LimitWindows::default();
        assert!(windows.admit(&limits, at(23, 0, 0)).is_ok());
        assert!(windows.admit(&limits, at(23, 0, 0)).is_ok());
        let hit = windows.admit(&limits, at(23, 59, 30)).unwrap_err();
        assert_eq!(hit, LimitHit { limit: LimitKind::RequestsPerDay, retry_after: Duration::from_secs(30) });
        let tomorrow = Utc.with_ymd_and_hms(2026, 3, 14, 0, 0, 1).unwrap();
        assert!(windows.admit(&limits, tomorrow).is_ok());
        assert_eq!(windows.requests_today(tomorrow), 1);
    }

    #[test]
    fn tokens_per_minute_admit_while_under_and_reset_each_minute() {
        let limits = ProviderLimits { requests_per_day: None, tokens_per_minute: Some(100) };
        let mut windows = LimitWindows::default();
        assert!(windows.admit(&limits, at(12, 0, 1)).is_ok());
        windows.record_tokens(at(12, 0, 2), 99);
        assert!(windows.admit(&limits, at(12, 0, 3)).is_ok());
        windows.record_tokens(at(12, 0, 4), 50);
        let hit = windows.admit(&limits, at(12, 0, 45)).unwrap_err();
        assert_eq!(hit, LimitHit { limit: LimitKind::TokensPerMinute, retry_after: Duration::from_secs(15) });
        assert!(windows.admit(&limits, at(12, 1, 0)).is_ok());
        assert_eq!(windows.tokens_this_minute(at(12, 1, 0)), 0);
    }
}
