//! The usage ledger port: admits requests against a tenant's quota atomically, and records what each finished
//! request used. Exact on one instance and on many sharing one database.

use ares_domain::{Counters, Period, Quota, Run, TenantId, UsageEvent};
use async_trait::async_trait;
use chrono::NaiveDate;

use super::RepoError;

/// What the ledger decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted; the counters include the request and its reservation.
    Admitted(Counters),
    /// Refused and not counted; the counters as they stood.
    Refused(Counters),
}

/// A finished request, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    pub event: UsageEvent,
    /// The tokens reserved at admission, released now.
    pub reserved: u64,
    /// The period the request was admitted in (its reservation belongs to that month).
    pub admitted_in: Period,
    /// The run, when the request ran an agent.
    pub run: Option<Run>,
}

/// One day of a tenant's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyUsage {
    pub date: NaiveDate,
    pub runs: u64,
    pub tokens: u64,
    pub api_calls: u64,
}

/// A tenant's usage in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyUsage {
    pub counters: Counters,
    pub runs: u64,
    /// The days of the month with any usage, newest first.
    pub daily: Vec<DailyUsage>,
}

/// Counts requests and tokens per tenant.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UsageLedger: Send + Sync + 'static {
    /// Admits one request of the tenant in `period` when `quota` allows it and its `reserve` of tokens fits: one
    /// atomic statement checks and increments the day's and the month's counters, so concurrent requests can
    /// never push the tenant past a limit.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is counted then.
    async fn admit(
        &self,
        tenant_id: TenantId,
        period: &Period,
        quota: &Quota,
        reserve: u64,
    ) -> Result<Admission, RepoError>;

    /// Reserves `tokens` more for a request already admitted in `period` (a further round of its tool loop), when
    /// the month's token quota still holds with them; counts no request. Atomic like `admit`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is reserved then.
    async fn reserve(
        &self,
        tenant_id: TenantId,
        period: &Period,
        quota: &Quota,
        tokens: u64,
    ) -> Result<Admission, RepoError>;

    /// Records a finished request in one transaction: its usage event, its run, the day's figures, and the token
    /// reconciliation (the reservation released, the tokens used counted). Returns once that is committed.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is recorded then.
    async fn settle(&self, settlement: &Settlement) -> Result<(), RepoError>;

    /// The tenant's usage in the month of `period`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn month(&self, tenant_id: TenantId, period: &Period) -> Result<MonthlyUsage, RepoError>;
}
