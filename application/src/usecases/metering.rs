//! Metering: every metered request is admitted against its payer's tier quota before any work (one atomic
//! statement in the ledger), and recorded when it ends (its usage event, its run, its real tokens) before it is
//! answered, so nothing acknowledged is ever lost. A request that needs more tokens than it reserved (a further
//! round of a tool loop) reserves them first, through its `Budget`. Periods come from the clock: UTC days,
//! calendar months.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ares_domain::quota::{QuotaHeaders, headers, refusal};
use ares_domain::{
    Counters, ModelPrice, Period, Quota, QuotaExceeded, Run, TierQuotas, Turn, UsageEvent, UsageEventId,
};
use chrono::{DateTime, Utc};

use super::caller::Caller;
use super::router::ModelRouter;
use crate::ports::{
    Admission, Clock, MonthlyUsage, RepoError, Reservation, Settlement, Usage, UsageLedger, UsageObserver,
};

/// How often a refusal that no limit explains (the counters moved in between) is retried.
const ADMISSION_ATTEMPTS: usize = 3;

/// Why a request was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum MeteringError {
    /// A tier limit; the request was not counted. `retry_after` is the wait until the limit resets.
    #[error("{limit}")]
    Exceeded { limit: QuotaExceeded, retry_after: std::time::Duration },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for MeteringError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

/// An admitted request: who, when, the tokens it holds reserved (its admission's, and every further reservation
/// of its budget), and the id its usage event will have (one id, however often its record is tried).
#[derive(Debug, Clone)]
pub struct Ticket {
    pub caller: Caller,
    pub period: Period,
    pub started: DateTime<Utc>,
    pub counters: Counters,
    event: UsageEventId,
    reserved: Arc<AtomicU64>,
}

impl Ticket {
    /// The tokens reserved so far.
    #[must_use]
    pub fn reserved(&self) -> u64 {
        self.reserved.load(Ordering::Acquire)
    }
}

/// What a finished request did, to record with it.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub agent: Option<String>,
    /// The model asked for, then the one that answered.
    pub model: Option<String>,
    pub provider: Option<String>,
    pub usage: Usage,
    /// The run, when the request ran an agent.
    pub run: Option<Run>,
    /// The exchange to keep in its conversation, when the chat has one.
    pub turn: Option<Turn>,
}

impl Record {
    /// What to record of a request routing failed: the provider it called, when it called one (it is a run then);
    /// no conversation turn is kept for it.
    #[must_use]
    pub fn failed_on(self, err: &super::router::RouteError) -> Record {
        Record { provider: err.called().map(ToString::to_string), turn: None, ..self }
    }

    /// What to record of a request that failed before it answered: no conversation turn is kept for it.
    #[must_use]
    pub fn failed(self) -> Record {
        Record { turn: None, ..self }
    }
}

/// A tenant's usage this month with its quota.
#[derive(Debug, Clone)]
pub struct UsageReport {
    pub period: Period,
    pub quota: Quota,
    pub usage: MonthlyUsage,
}

/// The tokens an admitted request may still use: a further round runs only once its worst case is reserved.
#[derive(Clone)]
pub struct Budget {
    limited: Option<(Arc<Metering>, Ticket)>,
}

impl Budget {
    /// A budget nothing limits (a tier without a token quota, or work that is not metered).
    #[must_use]
    pub fn unlimited() -> Self {
        Budget { limited: None }
    }

    /// Whether a round that may use `next` tokens can run after `used` tokens: reserves what the request's
    /// reservation does not cover yet. `false` when the payer's token quota cannot take it (nothing is reserved).
    pub async fn cover(&self, used: u64, next: u64) -> bool {
        let Some((metering, ticket)) = &self.limited else { return true };
        let needed = used.saturating_add(next);
        let reserved = ticket.reserved();
        if needed <= reserved {
            return true;
        }
        match metering.reserve_more(ticket, needed - reserved).await {
            Ok(granted) => granted,
            Err(err) => {
                tracing::warn!(error = %err, "cannot reserve tokens for a further round; the loop ends");
                false
            }
        }
    }
}

/// How long a reservation holds when `Metering::new` is not told: the `[metering] reservation_ttl_seconds`
/// default.
pub const RESERVATION_TTL: chrono::Duration = chrono::Duration::seconds(600);

/// Where the price of the model that answered a request is looked up when the request is recorded.
pub trait PriceList: Send + Sync + 'static {
    /// The price of `model` (a model's name) on `provider`; free when unknown.
    fn price(&self, provider: &str, model: &str) -> ModelPrice;
}

impl PriceList for ModelRouter {
    fn price(&self, provider: &str, model: &str) -> ModelPrice {
        ModelRouter::price(self, provider, model)
    }
}

/// How the recording of requests fares, for the metrics: writes that failed (each try), and records given up on.
#[derive(Debug, Default)]
pub struct PipelineCounters {
    pub write_failures: AtomicU64,
    pub dropped: AtomicU64,
}

/// The quota gate and the usage records.
pub struct Metering {
    ledger: Arc<dyn UsageLedger>,
    quotas: TierQuotas,
    clock: Arc<dyn Clock>,
    reservation_ttl: chrono::Duration,
    prices: Option<Arc<dyn PriceList>>,
    observers: Vec<Arc<dyn UsageObserver>>,
    counters: Arc<PipelineCounters>,
}

impl Metering {
    /// Reservations expire `RESERVATION_TTL` after they are made; `with_reservation_ttl` says otherwise.
    #[must_use]
    pub fn new(ledger: Arc<dyn UsageLedger>, quotas: TierQuotas, clock: Arc<dyn Clock>) -> Self {
        Metering {
            ledger,
            quotas,
            clock,
            reservation_ttl: RESERVATION_TTL,
            prices: None,
            observers: Vec::new(),
            counters: Arc::default(),
        }
    }

    /// How the recording of requests fares.
    #[must_use]
    pub fn counters(&self) -> Arc<PipelineCounters> {
        self.counters.clone()
    }

    /// Records each request's cost at the price `prices` gives its model (without one, every request is free).
    #[must_use]
    pub fn with_prices(mut self, prices: Arc<dyn PriceList>) -> Self {
        self.prices = Some(prices);
        self
    }

    /// Tells `observer` of every recorded request and every refusal, after the fact.
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn UsageObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Reservations expire `ttl` after they are made (their request was never recorded: its instance died).
    #[must_use]
    pub fn with_reservation_ttl(mut self, ttl: chrono::Duration) -> Self {
        self.reservation_ttl = ttl;
        self
    }

    /// Admits one request reserving `reserve` tokens, counting it against the payer's daily and monthly quotas.
    ///
    /// # Errors
    /// `Exceeded` naming the limit that refused it; `Unexpected` when the store fails.
    #[tracing::instrument(skip_all, fields(account.id = %caller.account(), reserve))]
    pub async fn admit(&self, caller: &Caller, reserve: u64) -> Result<Ticket, MeteringError> {
        self.admit_under(caller, reserve, self.quotas.of(caller.tier)).await
    }

    /// Counts one request that reserves nothing and that no limit refuses: what a client at its limit still needs
    /// to find out why and when it resets (its usage, its keys).
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    #[tracing::instrument(skip_all, fields(account.id = %caller.account()))]
    pub async fn count(&self, caller: &Caller) -> Result<Ticket, MeteringError> {
        self.admit_under(caller, 0, Quota::UNLIMITED).await
    }

    /// Admits under `quota`. A refusal for tokens first releases the payer's expired reservations (requests of an
    /// instance that died) and tries again when that freed any.
    async fn admit_under(&self, caller: &Caller, reserve: u64, quota: Quota) -> Result<Ticket, MeteringError> {
        // A payer without a token quota has nothing to reserve tokens against: it reserves none, and keeps no
        // reservation to release.
        let reserve = if quota.monthly_tokens.is_some() { reserve } else { 0 };
        let event = UsageEventId::new();
        let mut expired_released = false;
        for _ in 0..ADMISSION_ATTEMPTS {
            let started = self.clock.now();
            let period = Period::at(started);
            let reservation = Reservation { id: event, tokens: reserve, expires_at: started + self.reservation_ttl };
            match self.ledger.admit(caller.account(), &period, &quota, &reservation).await? {
                Admission::Admitted(counters) => {
                    let reserved = Arc::new(AtomicU64::new(reserve));
                    return Ok(Ticket { caller: *caller, period, started, counters, event, reserved });
                }
                Admission::Refused(before) => match refusal(&quota, &before, reserve) {
                    Some(QuotaExceeded::MonthlyTokens) if !expired_released => {
                        expired_released = true;
                        if self.ledger.expire(started, Some(caller.account())).await? == 0 {
                            return Err(self.exceeded(caller, QuotaExceeded::MonthlyTokens, &period, started));
                        }
                    }
                    Some(limit) => return Err(self.exceeded(caller, limit, &period, started)),
                    None => {}
                },
            }
        }
        Err(MeteringError::Unexpected(anyhow::anyhow!("admission kept failing without a limit to blame")))
    }

    fn exceeded(&self, caller: &Caller, limit: QuotaExceeded, period: &Period, now: DateTime<Utc>) -> MeteringError {
        tracing::info!(%limit, "request refused by the payer's quota");
        for observer in &self.observers {
            observer.refused(caller.payer, caller.tier, limit, period);
        }
        let wait = (limit.resets_at(period) - now).to_std().unwrap_or_default();
        MeteringError::Exceeded { limit, retry_after: wait }
    }

    /// Releases every payer's reservations that expired (their requests were never recorded); the tokens freed.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn expire_reservations(&self) -> Result<u64, MeteringError> {
        Ok(self.ledger.expire(self.clock.now(), None).await?)
    }

    /// The budget of an admitted request: limited when its tier has a monthly token quota.
    #[must_use]
    pub fn budget(self: &Arc<Self>, ticket: &Ticket) -> Budget {
        match self.quotas.of(ticket.caller.tier).monthly_tokens {
            Some(_) => Budget { limited: Some((self.clone(), ticket.clone())) },
            None => Budget::unlimited(),
        }
    }

    /// Reserves `tokens` more for an admitted request, when the month's token quota takes them. A request that
    /// crossed into another month reserves nothing more (its reservation belongs to the month it was admitted in).
    async fn reserve_more(&self, ticket: &Ticket, tokens: u64) -> Result<bool, MeteringError> {
        let at = self.clock.now();
        let now = Period::at(at);
        if now.month_key() != ticket.period.month_key() {
            return Ok(false);
        }
        let quota = self.quotas.of(ticket.caller.tier);
        let reservation = Reservation { id: ticket.event, tokens, expires_at: at + self.reservation_ttl };
        match self.ledger.reserve(ticket.caller.account(), &now, &quota, &reservation).await? {
            Admission::Admitted(_) => {
                ticket.reserved.fetch_add(tokens, Ordering::AcqRel);
                Ok(true)
            }
            Admission::Refused(_) => {
                tracing::info!(tokens, "no further round: the payer's token quota cannot take it");
                Ok(false)
            }
        }
    }

    /// Records what an admitted request did (answered to `endpoint` with `status`), releasing its reservation;
    /// returns the quota headers to answer with: the counters as of its admission, with its own reservation
    /// replaced by the tokens it used.
    ///
    /// # Errors
    /// `Unexpected` when the store fails: the request must then not be acknowledged.
    #[tracing::instrument(skip_all, fields(account.id = %ticket.caller.account(), endpoint, status))]
    pub async fn settle(
        &self,
        ticket: &Ticket,
        endpoint: &str,
        status: u16,
        record: Record,
    ) -> Result<QuotaHeaders, MeteringError> {
        let now = self.clock.now();
        let latency = (now - ticket.started).num_milliseconds();
        let price = match (&self.prices, &record.provider, &record.model) {
            (Some(prices), Some(provider), Some(model)) => prices.price(provider, model),
            _ => ModelPrice::default(),
        };
        let event = UsageEvent {
            id: ticket.event,
            payer: ticket.caller.payer,
            api_key_id: ticket.caller.key_id(),
            endpoint: endpoint.to_owned(),
            agent: record.agent,
            model: record.model,
            provider: record.provider,
            tokens_in: record.usage.prompt_tokens,
            tokens_out: record.usage.completion_tokens,
            estimated: record.usage.estimated,
            latency_ms: u64::try_from(latency).unwrap_or(0),
            status,
            cost_nanos: price.cost_nanos(record.usage.prompt_tokens, record.usage.completion_tokens),
            at: now,
        };
        let reserved = ticket.reserved();
        let settlement = Settlement { event, reserved, admitted_in: ticket.period, run: record.run, turn: record.turn };
        if let Err(err) = self.ledger.settle(&settlement).await {
            self.counters.write_failures.fetch_add(1, Ordering::Relaxed);
            return Err(err.into());
        }
        let event = &settlement.event;
        let mut counters = ticket.counters;
        counters.month_tokens = counters.month_tokens.saturating_add(event.tokens());
        counters.month_reserved = counters.month_reserved.saturating_sub(reserved);
        counters.month_cost_nanos = counters.month_cost_nanos.saturating_add(event.cost_nanos);
        for observer in &self.observers {
            observer.settled(event, ticket.caller.tier, &counters, &ticket.period);
            if let Some(turn) = &settlement.turn {
                observer.kept(event.payer, turn);
            }
        }
        Ok(headers(&self.quotas.of(ticket.caller.tier), &counters, &ticket.period))
    }

    /// The quota headers as of admission, for answers whose headers leave before the request is recorded (streams).
    #[must_use]
    pub fn headers(&self, ticket: &Ticket) -> QuotaHeaders {
        headers(&self.quotas.of(ticket.caller.tier), &ticket.counters, &ticket.period)
    }

    /// The payer's usage this month.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn report(&self, caller: &Caller) -> Result<UsageReport, MeteringError> {
        let period = Period::at(self.clock.now());
        let usage = self.ledger.month(caller.account(), &period).await?;
        Ok(UsageReport { period, quota: self.quotas.of(caller.tier), usage })
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{ApiKeyId, TenantId, Tier};
    use chrono::TimeZone;

    use super::*;
    use crate::ports::{MockClock, MockUsageLedger};

    fn caller(tier: Tier) -> Caller {
        Caller::api_key(TenantId::new(), ApiKeyId::new(), tier)
    }

    fn metering(ledger: MockUsageLedger) -> Metering {
        let mut clock = MockClock::new();
        clock.expect_now().returning(|| Utc.with_ymd_and_hms(2026, 3, 13, 18, 0, 0).unwrap());
        Metering::new(Arc::new(ledger), TierQuotas::default(), Arc::new(clock))
    }

    #[tokio::test]
    async fn a_refusal_names_the_limit_and_when_it_resets() {
        let mut ledger = MockUsageLedger::new();
        ledger
            .expect_admit()
            .withf(|_, period, quota, reserve| {
                period.day_key() == "2026-03-13" && quota.daily_requests == Some(100) && reserve.tokens == 7
            })
            .returning(|_, _, _, _| Ok(Admission::Refused(Counters { day_requests: 100, ..Counters::default() })));
        let err = metering(ledger).admit(&caller(Tier::Free), 7).await.unwrap_err();
        let MeteringError::Exceeded { limit, retry_after } = err else { panic!("{err:?}") };
        assert_eq!(limit.to_string(), "Daily request limit reached for your tier");
        assert_eq!(retry_after, std::time::Duration::from_secs(6 * 3600), "until midnight UTC");
    }

    #[tokio::test]
    async fn a_refusal_no_limit_explains_is_retried() {
        let mut ledger = MockUsageLedger::new();
        let mut calls = 0;
        ledger.expect_admit().times(2).returning(move |_, _, _, _| {
            calls += 1;
            Ok(if calls == 1 {
                Admission::Refused(Counters::default())
            } else {
                Admission::Admitted(Counters::default())
            })
        });
        assert!(metering(ledger).admit(&caller(Tier::Pro), 0).await.is_ok());
    }

    #[tokio::test]
    async fn a_refusal_for_tokens_releases_expired_reservations_and_tries_again() {
        let mut ledger = MockUsageLedger::new();
        let mut calls = 0;
        ledger.expect_admit().times(2).returning(move |_, _, _, reservation| {
            calls += 1;
            assert_eq!(reservation.expires_at, Utc.with_ymd_and_hms(2026, 3, 13, 18, 10, 0).unwrap(), "600 s on");
            let full = Counters { month_reserved: 100_000, ..Counters::default() };
            Ok(if calls == 1 { Admission::Refused(full) } else { Admission::Admitted(Counters::default()) })
        });
        ledger.expect_expire().times(1).returning(|_, tenant| {
            assert!(tenant.is_some(), "only the refused payer's");
            Ok(15_375)
        });
        assert!(metering(ledger).admit(&caller(Tier::Free), 500).await.is_ok());
    }

    #[tokio::test]
    async fn a_refusal_for_tokens_with_nothing_expired_is_final() {
        let mut ledger = MockUsageLedger::new();
        let full = Counters { month_reserved: 100_000, ..Counters::default() };
        ledger.expect_admit().times(1).returning(move |_, _, _, _| Ok(Admission::Refused(full)));
        ledger.expect_expire().times(1).returning(|_, _| Ok(0));
        let err = metering(ledger).admit(&caller(Tier::Free), 500).await.unwrap_err();
        assert_eq!(err.to_string(), "Monthly token quota exceeded");
    }

    #[tokio::test]
    async fn a_payer_without_a_token_quota_reserves_nothing() {
        let mut ledger = MockUsageLedger::new();
        ledger
            .expect_admit()
            .withf(|_, _, quota, reservation| quota.monthly_tokens.is_none() && reservation.tokens == 0)
            .times(1)
            .returning(|_, _, _, _| Ok(Admission::Admitted(Counters::default())));
        let ticket = metering(ledger).admit(&caller(Tier::Enterprise), 1_500).await.unwrap();
        assert_eq!(ticket.reserved(), 0);
    }

    #[tokio::test]
    async fn a_counted_request_is_counted_under_no_limit() {
        let mut ledger = MockUsageLedger::new();
        ledger
            .expect_admit()
            .withf(|_, _, quota, reserve| *quota == Quota::UNLIMITED && reserve.tokens == 0)
            .times(1)
            .returning(|_, _, _, _| Ok(Admission::Admitted(Counters { day_requests: 101, ..Counters::default() })));
        let ticket = metering(ledger).count(&caller(Tier::Free)).await.unwrap();
        assert_eq!(ticket.counters.day_requests, 101, "counted past the free tier's 100 a day");
    }

    #[tokio::test]
    async fn settling_records_the_event_and_releases_the_reservation_in_one_call() {
        let mut ledger = MockUsageLedger::new();
        let admitted =
            Counters { day_requests: 3, month_requests: 3, month_tokens: 0, month_reserved: 500, month_cost_nanos: 0 };
        ledger.expect_admit().returning(move |_, _, _, _| Ok(Admission::Admitted(admitted)));
        ledger
            .expect_settle()
            .withf(|s| {
                s.reserved == 500
                    && s.event.tokens() == 42
                    && s.event.endpoint == "POST /v1/chat"
                    && s.event.status == 200
                    && s.admitted_in.month_key() == "2026-03"
            })
            .times(1)
            .returning(|_| Ok(()));
        let metering = metering(ledger);
        let ticket = metering.admit(&caller(Tier::Pro), 500).await.unwrap();
        let usage = Usage { prompt_tokens: 30, completion_tokens: 12, estimated: false };
        let headers =
            metering.settle(&ticket, "POST /v1/chat", 200, Record { usage, ..Record::default() }).await.unwrap();
        assert_eq!(headers.requests.map(|(limit, remaining, _)| (limit, remaining)), Some((10_000, 9_997)));
        assert_eq!(headers.tokens_remaining, Some(10_000_000 - 42));
    }
}
