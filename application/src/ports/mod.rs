//! Ports: the traits through which use cases reach storage, model providers, tools, time and randomness. Adapters
//! implement them; tests use the mockall mocks (`mocks` feature).

mod agents;
mod alerts;
mod analytics;
mod api_keys;
mod audit;
mod background;
mod chat_model;
mod clock;
mod connector;
mod conversations;
mod health;
mod ledger;
mod observer;
mod providers;
mod runs;
mod templates;
mod tenants;
mod timer;
mod tools;
mod user_agents;
mod users;
mod web_search;

pub use agents::{AgentRepository, AgentSummary};
pub use alerts::{AlertFilter, AlertRepository, AlertSink};
pub use analytics::{Group, SeriesPoint, Slice, UsageAnalytics, UsageRange};
pub use api_keys::{ApiKeyRepository, KeyGenerator};
pub use audit::AuditLog;
pub use background::Background;
pub use chat_model::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ChatStream, Embeddings, FinishReason, ProviderError,
    ResponseFormat, Role, StreamEvent, ToolCall, ToolChoice, ToolSpec, Usage,
};
pub use clock::Clock;
pub use connector::ProviderConnector;
pub use conversations::{ConversationRepository, MemoryRepository};
pub use health::StoreProbe;
pub use ledger::{Admission, DailyUsage, MonthlyUsage, Reservation, Settlement, UsageLedger};
pub use observer::UsageObserver;
pub use providers::ProviderRepository;
pub use runs::{RunRepository, RunStats};
pub use templates::TemplateRepository;
pub use tenants::{TenantListing, TenantRepository};
pub use timer::Timer;
pub use tools::{Tool, ToolError};
pub use user_agents::UserAgentRepository;
pub use users::{AccessClaims, PasswordHasher, Rotation, SessionRepository, TokenIssuer, UserRepository};
pub use web_search::{SearchResult, WebSearch};

#[cfg(any(test, feature = "mocks"))]
pub use agents::MockAgentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use alerts::{MockAlertRepository, MockAlertSink};
#[cfg(any(test, feature = "mocks"))]
pub use analytics::MockUsageAnalytics;
#[cfg(any(test, feature = "mocks"))]
pub use api_keys::{MockApiKeyRepository, MockKeyGenerator};
#[cfg(any(test, feature = "mocks"))]
pub use audit::MockAuditLog;
#[cfg(any(test, feature = "mocks"))]
pub use background::MockBackground;
#[cfg(any(test, feature = "mocks"))]
pub use chat_model::MockChatModel;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use connector::MockProviderConnector;
#[cfg(any(test, feature = "mocks"))]
pub use conversations::{MockConversationRepository, MockMemoryRepository};
#[cfg(any(test, feature = "mocks"))]
pub use ledger::MockUsageLedger;
#[cfg(any(test, feature = "mocks"))]
pub use observer::MockUsageObserver;
#[cfg(any(test, feature = "mocks"))]
pub use providers::MockProviderRepository;
#[cfg(any(test, feature = "mocks"))]
pub use runs::MockRunRepository;
#[cfg(any(test, feature = "mocks"))]
pub use templates::MockTemplateRepository;
#[cfg(any(test, feature = "mocks"))]
pub use tenants::MockTenantRepository;
#[cfg(any(test, feature = "mocks"))]
pub use timer::MockTimer;
#[cfg(any(test, feature = "mocks"))]
pub use tools::MockTool;
#[cfg(any(test, feature = "mocks"))]
pub use user_agents::MockUserAgentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use users::{MockPasswordHasher, MockSessionRepository, MockTokenIssuer, MockUserRepository};
#[cfg(any(test, feature = "mocks"))]
pub use web_search::MockWebSearch;

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A tenant with this name exists.
    TenantName,
    /// The tenant already has an agent with this name.
    AgentName,
    /// A provider with this name exists.
    ProviderName,
    /// A user with this email exists.
    Email,
    /// Any other unique constraint (an API key hash, say).
    Other,
}

/// The store cannot be reached (no connection to be had, or the connection dropped): the cause of a
/// `RepoError::Unexpected` that is worth retrying later. Clients are answered 503 then, not 500.
#[derive(Debug, thiserror::Error)]
#[error("the store is unavailable: {0}")]
pub struct StoreUnavailable(pub String);

impl StoreUnavailable {
    /// A repository error saying the store cannot be reached, with `cause`.
    #[must_use]
    pub fn error(cause: impl std::fmt::Display) -> RepoError {
        RepoError::Unexpected(anyhow::Error::new(StoreUnavailable(cause.to_string())))
    }

    /// Whether `err`, or an error it was caused by (a repository error among them), is the store being unavailable.
    #[must_use]
    pub fn caused(err: &anyhow::Error) -> bool {
        err.is::<StoreUnavailable>()
            || err.chain().any(|cause| {
                cause.is::<StoreUnavailable>()
                    || matches!(cause.downcast_ref::<RepoError>(), Some(RepoError::Unexpected(inner)) if inner.is::<StoreUnavailable>())
            })
    }
}

/// What a repository can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The write broke a uniqueness rule; nothing was written.
    #[error("unique constraint violated: {0:?}")]
    Conflict(Conflict),
    /// The store failed: connection, pool, timeout, or a row that does not read back.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
