//! Usage events: one per metered request, written before the request is answered, for billing and operators.

use chrono::{DateTime, Utc};

use crate::{ApiKeyId, TenantId, UsageEventId};

/// What one metered request used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    pub id: UsageEventId,
    pub tenant_id: TenantId,
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
    pub at: DateTime<Utc>,
}

impl UsageEvent {
    /// Prompt plus completion tokens.
    #[must_use]
    pub fn tokens(&self) -> u64 {
        self.tokens_in.saturating_add(self.tokens_out)
    }
}
