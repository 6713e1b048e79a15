//! Metering: every metered request is admitted against its tenant's tier quota before any work (one atomic
//! statement in the ledger), and recorded when it ends (its usage event, its run, its real tokens) before it is
//! answered, so nothing acknowledged is ever lost. Periods come from the clock: UTC days, calendar months.

use std::sync::Arc;

use ares_domain::quota::{QuotaHeaders, headers, refusal};
use ares_domain::{Counters, Period, Quota, QuotaExceeded, Run, TierQuotas, UsageEvent, UsageEventId};
use chrono::{DateTime, Utc};

use super::auth::Principal;
use crate::ports::{Admission, Clock, MonthlyUsage, RepoError, Settlement, UsageLedger};

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

/// An admitted request: who, when, and what it reserved.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub principal: Principal,
    pub period: Period,
    pub reserved: u64,
    pub started: DateTime<Utc>,
    pub counters: Counters,
}

/// What an admitted request did, to record.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub endpoint: &'static str,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub estimated: bool,
    /// The HTTP status of the answer.
    pub status: u16,
    pub run: Option<Run>,
}

/// A tenant's usage this month with its quota.
#[derive(Debug, Clone)]
pub struct UsageReport {
    pub period: Period,
    pub quota: Quota,
    pub usage: MonthlyUsage,
}

/// The quota gate and the usage records.
pub struct Metering {
    ledger: Arc<dyn UsageLedger>,
    quotas: TierQuotas,
    clock: Arc<dyn Clock>,
}

impl Metering {
    #[must_use]
    pub fn new(ledger: Arc<dyn UsageLedger>, quotas: TierQuotas, clock: Arc<dyn Clock>) -> Self {
        Metering { ledger, quotas, clock }
    }

    /// Admits one request reserving `reserve` tokens, counting it against the tenant's daily and monthly quotas.
    ///
    /// # Errors
    /// `Exceeded` naming the limit that refused it; `Unexpected` when the store fails.
    #[tracing::instrument(skip_all, fields(tenant.id = %principal.tenant_id, reserve))]
    pub async fn admit(&self, principal: &Principal, reserve: u64) -> Result<Ticket, MeteringError> {
        let quota = self.quotas.of(principal.tier);
        for _ in 0..ADMISSION_ATTEMPTS {
            let started = self.clock.now();
            let period = Period::at(started);
            match self.ledger.admit(principal.tenant_id, &period, &quota, reserve).await? {
                Admission::Admitted(counters) => {
                    return Ok(Ticket { principal: *principal, period, reserved: reserve, started, counters });
                }
                Admission::Refused(before) => {
                    if let Some(limit) = refusal(&quota, &before, reserve) {
                        tracing::info!(%limit, "request refused by the tenant's quota");
                        let wait = (limit.resets_at(&period) - started).to_std().unwrap_or_default();
                        return Err(MeteringError::Exceeded { limit, retry_after: wait });
                    }
                }
            }
        }
        Err(MeteringError::Unexpected(anyhow::anyhow!("admission kept failing without a limit to blame")))
    }

    /// Records what an admitted request did, releasing its reservation; returns the quota headers to answer with:
    /// the counters as of its admission, with its own reservation replaced by the tokens it used.
    ///
    /// # Errors
    /// `Unexpected` when the store fails: the request must then not be acknowledged.
    #[tracing::instrument(skip_all, fields(tenant.id = %ticket.principal.tenant_id, endpoint = outcome.endpoint))]
    pub async fn settle(&self, ticket: &Ticket, outcome: Outcome) -> Result<QuotaHeaders, MeteringError> {
        let now = self.clock.now();
        let latency = (now - ticket.started).num_milliseconds();
        let event = UsageEvent {
            id: UsageEventId::new(),
            tenant_id: ticket.principal.tenant_id,
            api_key_id: Some(ticket.principal.key_id),
            endpoint: outcome.endpoint.to_owned(),
            agent: outcome.agent,
            model: outcome.model,
            provider: outcome.provider,
            tokens_in: outcome.tokens_in,
            tokens_out: outcome.tokens_out,
            estimated: outcome.estimated,
            latency_ms: u64::try_from(latency).unwrap_or(0),
            status: outcome.status,
            at: now,
        };
        let tokens = event.tokens();
        let settlement = Settlement { event, reserved: ticket.reserved, admitted_in: ticket.period, run: outcome.run };
        self.ledger.settle(&settlement).await?;
        let mut counters = ticket.counters;
        counters.month_tokens = counters.month_tokens.saturating_add(tokens);
        counters.month_reserved = counters.month_reserved.saturating_sub(ticket.reserved);
        Ok(headers(&self.quotas.of(ticket.principal.tier), &counters, &ticket.period))
    }

    /// The quota headers as of admission, for answers whose headers leave before the request is recorded (streams).
    #[must_use]
    pub fn headers(&self, ticket: &Ticket) -> QuotaHeaders {
        headers(&self.quotas.of(ticket.principal.tier), &ticket.counters, &ticket.period)
    }

    /// The tenant's usage this month.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn report(&self, principal: &Principal) -> Result<UsageReport, MeteringError> {
        let period = Period::at(self.clock.now());
        let usage = self.ledger.month(principal.tenant_id, &period).await?;
        Ok(UsageReport { period, quota: self.quotas.of(principal.tier), usage })
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{ApiKeyId, TenantId, Tier};
    use chrono::TimeZone;

    use super::*;
    use crate::ports::{MockClock, MockUsageLedger};

    fn principal(tier: Tier) -> Principal {
        Principal { key_id: ApiKeyId::new(), tenant_id: TenantId::new(), tier }
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
                period.day_key() == "2026-03-13" && quota.daily_requests == Some(100) && *reserve == 7
            })
            .returning(|_, _, _, _| Ok(Admission::Refused(Counters { day_requests: 100, ..Counters::default() })));
        let err = metering(ledger).admit(&principal(Tier::Free), 7).await.unwrap_err();
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
        assert!(metering(ledger).admit(&principal(Tier::Pro), 0).await.is_ok());
    }

    #[tokio::test]
    async fn settling_records_the_event_and_releases_the_reservation_in_one_call() {
        let mut ledger = MockUsageLedger::new();
        let admitted = Counters { day_requests: 3, month_requests: 3, month_tokens: 0, month_reserved: 500 };
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
        let ticket = metering.admit(&principal(Tier::Pro), 500).await.unwrap();
        let outcome =
            Outcome { endpoint: "POST /v1/chat", tokens_in: 30, tokens_out: 12, status: 200, ..Outcome::default() };
        let headers = metering.settle(&ticket, outcome).await.unwrap();
        assert_eq!(headers.requests.map(|(limit, remaining, _)| (limit, remaining)), Some((10_000, 9_997)));
        assert_eq!(headers.tokens_remaining, Some(10_000_000 - 42));
    }
}
