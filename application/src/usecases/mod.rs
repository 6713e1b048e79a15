//! Use cases: small structs over their ports, one method per operation, each with its own error type.

mod agents;
mod api_keys;
mod auth;
mod caller;
mod chat;
mod directory;
mod metered;
mod metering;
mod prompt;
mod providers;
mod provisioning;
mod router;
mod runner;
mod templates;
mod tenants;
mod tools;

pub use agents::{AgentError, AgentPatch, Agents, NewAgent};
pub use api_keys::{ApiKeyError, ApiKeys, IssuedKey, KeyPage};
pub use auth::{AuthError, Authenticator};
pub use caller::{Caller, Payer, Via};
pub use chat::{AGENT_PREFIX, AgentChoice, Callable, ChatError, ChatInput, ChatService, ClientTools, PreparedChat};
pub use directory::AgentDirectory;
pub use metered::{CLIENT_CLOSED, Call, Finished, Metered, MeteredPath, MeteredStream, StreamEnd, Streamed};
pub use metering::{Budget, Metering, MeteringError, Record, Ticket, UsageReport};
pub use prompt::{InputMessage, Sampling, prompt_chars};
pub use providers::{NewProvider, ProviderDetails, ProviderPatch, Providers, ProvidersError};
pub use provisioning::{ProvisionError, ProvisionRequest, ProvisionedClient, Provisioning};
pub use router::{ModelRouter, ModelStatus, ProviderStatus, RouteError, Routed, RoutingPolicy};
pub use runner::{AgentRunner, PreparedRun, RunError, RunOutcome, RunPage};
pub use templates::Templates;
pub use tenants::{TenantDetails, TenantError, Tenants};
pub use tools::{ToolCatalog, ToolCoordinator, ToolRun};
