//! ARES domain: the entities of a multi-tenant LLM platform (tenants, tiers, agents, templates, API keys, runs,
//! model providers), their validated values and the pure policies over them (quotas, model routing). No I/O, no
//! async, no frameworks.

pub mod agent;
pub mod agent_file;
pub mod alert;
pub mod analytics;
pub mod api_key;
pub mod audit;
pub mod conversation;
pub mod ids;
pub mod product;
pub mod provider;
pub mod quota;
pub mod request;
pub mod routing;
pub mod run;
pub mod tenant;
pub mod tier;
pub mod tool;
pub mod toon;
pub mod usage;
pub mod user;

pub use agent::{
    Agent, AgentConfig, AgentName, AgentStatus, AgentTemplate, AgentType, InvalidAgent, PlatformAgent, UserAgent,
};
pub use alert::{Alert, InvalidSeverity, NewAlert, QuotaAlarm, Severity};
pub use analytics::{Bucket, Dimension, InvalidBucket, InvalidDimension, UsageFigures, UsageFilter};
pub use api_key::{ApiKey, KeyHash, RawApiKey};
pub use audit::{Actor, AuditEntry, AuditFilter};
pub use conversation::{Conversation, InvalidTitle, Memory, MemoryKind, Message, Speaker, Turn};
pub use ids::{
    AccountId, AgentId, AlertId, ApiKeyId, AuditEntryId, ConversationId, InvalidId, MemoryId, RunId, SignInId,
    TenantId, UsageEventId, UserId,
};
pub use product::{InvalidProductType, ProductType};
pub use provider::{
    Credential, InvalidProvider, ModelPrice, ModelSpec, ModelTier, NetworkConfig, NetworkSeconds, Provider,
    ProviderKind, ProviderLimits, ProviderName, ProviderSecret, ProviderSource,
};
pub use quota::{Counters, Period, QuotaExceeded};
pub use request::{
    InvalidValue, KeyLabel, KeyLifetime, MaxTokens, Page, Temperature, TopP, is_hidden_char, plain_text,
};
pub use run::{Run, RunStatus};
pub use tenant::{InvalidTenantName, Tenant, TenantName, TenantStats};
pub use tier::{InvalidTier, Quota, Tier, TierQuotas};
pub use tool::{ToolCallRecord, ToolSettings};
pub use usage::{Payer, UsageEvent};
pub use user::{Email, InvalidUser, RefreshRecord, RefreshToken, User, UserChange, UserName};
