//! Use cases: small structs over their ports, one method per operation, each with its own error type.

mod accounts;
mod agents;
mod alerts;
mod analytics;
mod api_keys;
mod audit;
mod auth;
mod caller;
mod chat;
mod conversations;
mod directory;
mod memory;
mod metered;
mod metering;
mod platform_agents;
mod prompt;
mod providers;
mod provisioning;
mod reports;
mod router;
mod runner;
mod templates;
mod tenants;
mod tools;
mod user_agents;
mod users;

pub use accounts::{AccountError, AccountPolicy, AccountPorts, Accounts, Registration, ThrottlePolicy, Tokens};
pub use agents::{AgentError, AgentPatch, Agents, NewAgent};
pub use alerts::{AlertError, AlertWatch, Alerts, WatchPorts};
pub use analytics::{Analytics, AnalyticsError, MAX_POINTS, MAX_RANGE_DAYS};
pub use api_keys::{ApiKeyError, ApiKeys, IssuedKey, KeyPage};
pub use audit::AuditTrail;
pub use auth::{AuthError, Authenticator};
pub use caller::{Caller, Payer, Via};
pub use chat::{
    AGENT_PREFIX, AgentChoice, Callable, ChatAgent, ChatError, ChatInput, ChatPorts, ChatService, ClientTools,
    Conversing, PreparedChat,
};
pub use conversations::{ConversationError, Conversations};
pub use directory::AgentDirectory;
pub use memory::{ExtractionPorts, ExtractionSettings, MemoryExtractor};
pub use metered::{CLIENT_CLOSED, Call, Finished, Metered, MeteredPath, MeteredStream, StreamEnd, Streamed};
pub use metering::{Budget, Metering, MeteringError, PipelineCounters, PriceList, Record, Ticket, UsageReport};
pub use platform_agents::PlatformAgents;
pub use prompt::{InputMessage, Sampling, prompt_chars};
pub use providers::{NewProvider, ProviderDetails, ProviderPatch, Providers, ProvidersError};
pub use provisioning::{ProvisionError, ProvisionRequest, ProvisionedClient, Provisioning};
pub use reports::{MAX_REPORT_DAYS, PlatformStats, ReportError, ReportSources, Reports, TenantUsage};
pub use router::{ModelRouter, ModelStatus, ProviderStatus, ProviderWatcher, RouteError, Routed, RoutingPolicy};
pub use runner::{AgentRunner, PreparedRun, RunError, RunOutcome, RunPage};
pub use templates::Templates;
pub use tenants::{TenantDetails, TenantError, Tenants};
pub use tools::{ToolCatalog, ToolCoordinator, ToolRun};
pub use user_agents::{NewUserAgent, USER_TOOLS, UserAgentError, UserAgents};
pub use users::{UserError, Users};
