//! Usage events: one per metered request, written before the request is answered, for billing and operators.

use chrono::{DateTime, Utc};

use crate::{AccountId, ApiKeyId, TenantId, UsageEventId, UserId};

/// Who a metered request is counted to: a client company (through one of its API keys), or a signed-in end user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payer {
    Tenant(TenantId),
    User(UserId),
}

impl Payer {
    /// The ledger account the request is counted in.
    #[must_use]
    pub fn account(&self) -> AccountId {
        match *self {
            Payer::Tenant(id) => id.into(),
            Payer::User(id) => id.into(),
        }
    }

    /// The tenant, when a tenant pays.
    #[must_use]
    pub fn tenant(&self) -> Option<TenantId> {
        match *self {
            Payer::Tenant(id) => Some(id),
            Payer::User(_) => None,
        }
    }
}

/// What one metered request used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    pub id: UsageEventId,
    pub payer: Payer,
    pub api_key_id: Option<ApiKeyId>,
    /// `POST /v1/chat`, `GET /v1/agents`, ...
    pub endpoint: String,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// The provider reported no usage and ARES estimated it.
    pub estimated: bool,
    pub latency_ms: u64,
    /// The HTTP status the request was answered with.
    pub status: u16,
    /// What it cost at its model's price when it ran, in billionths of a US dollar.
    pub cost_nanos: u64,
    pub at: DateTime<Utc>,
}

impl UsageEvent {
    /// Prompt plus completion tokens.
    #[must_use]
    pub fn tokens(&self) -> u64 {
        self.tokens_in.saturating_add(self.tokens_out)
    }
}

/// Billionths of a US dollar as US dollars (`cost_usd` in reports).
#[must_use]
#[expect(clippy::cast_precision_loss, reason = "a report's dollars need no more than f64 precision")]
pub fn usd(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

/// US dollars as billionths of a US dollar, for a configured limit; `None` for a negative or non-finite amount.
#[must_use]
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "checked to be finite, non-negative and within u64 first"
)]
pub fn nanos(usd: f64) -> Option<u64> {
    let nanos = (usd * 1e9).round();
    (0.0..1.8e19).contains(&nanos).then_some(nanos as u64)
}
