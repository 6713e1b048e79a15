//! The usage ledger port: admits requests against an account's quota atomically (a tenant's or a user's: the
//! ledger counts per account), and records what each finished request used. Exact on one instance and on many
//! sharing one database.

use ares_domain::{AccountId, Counters, Period, Quota, Run, Turn, UsageEvent, UsageEventId};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::RepoError;

/// What the ledger decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted; the counters include the request and its reservation.
    Admitted(Counters),
    /// Refused and not counted; the counters as they stood.
    Refused(Counters),
}

/// Tokens held for an admitted request until it is recorded, or until `expires_at` (its instance died first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// The id the request's usage event will have: recording it releases the reservation.
    pub id: UsageEventId,
    pub tokens: u64,
    pub expires_at: DateTime<Utc>,
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
    /// The exchange to keep in its conversation, when the chat continues or starts one.
    pub turn: Option<Turn>,
}

/// One day of an account's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyUsage {
    pub date: NaiveDate,
    pub runs: u64,
    pub tokens: u64,
    pub api_calls: u64,
    /// In billionths of a US dollar.
    pub cost_nanos: u64,
}

impl DailyUsage {
    /// A day without usage.
    #[must_use]
    pub fn zero(date: NaiveDate) -> Self {
        DailyUsage { date, runs: 0, tokens: 0, api_calls: 0, cost_nanos: 0 }
    }
}

/// An account's usage in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyUsage {
    pub counters: Counters,
    pub runs: u64,
    /// In billionths of a US dollar.
    pub cost_nanos: u64,
    /// The days of the month with any usage, newest first.
    pub daily: Vec<DailyUsage>,
}

/// Counts requests and tokens per account.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UsageLedger: Send + Sync + 'static {
    /// Admits one request of the account in `period` when `quota` allows it and its `reservation` fits: one atomic
    /// statement checks and increments the day's and the month's counters and keeps the reservation, so
    /// concurrent requests can never push the account past a limit.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is counted then.
    async fn admit(
        &self,
        account: AccountId,
        period: &Period,
        quota: &Quota,
        reservation: &Reservation,
    ) -> Result<Admission, RepoError>;

    /// Adds `reservation.tokens` to the reservation of a request already admitted in `period` (a further round of
    /// its tool loop), when the month's token quota still holds with them; counts no request. Atomic like `admit`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is reserved then.
    async fn reserve(
        &self,
        account: AccountId,
        period: &Period,
        quota: &Quota,
        reservation: &Reservation,
    ) -> Result<Admission, RepoError>;

    /// Releases the reservations that expired by `now` (of one account, or of all): their requests were never
    /// recorded (their instance was killed). Exactly once, however many instances try at the same time, and never
    /// a reservation whose request was recorded first. Returns the tokens released.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is released then.
    async fn expire(&self, now: DateTime<Utc>, account: Option<AccountId>) -> Result<u64, RepoError>;

    /// Records a finished request in one transaction: its usage event, its run, the day's figures, and the token
    /// reconciliation (what its reservation still holds released, the tokens used counted). Returns once that is
    /// committed.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; nothing is recorded then.
    async fn settle(&self, settlement: &Settlement) -> Result<(), RepoError>;

    /// The account's usage in the month of `period`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn month(&self, account: AccountId, period: &Period) -> Result<MonthlyUsage, RepoError>;

    /// The account's days from `first` to `last` (both included) that have any usage, newest first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn days(&self, account: AccountId, first: NaiveDate, last: NaiveDate) -> Result<Vec<DailyUsage>, RepoError>;

    /// Every account's usage on `day`, added up.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn platform_day(&self, day: NaiveDate) -> Result<DailyUsage, RepoError>;
}
