//! Use cases: small structs over their ports, one method per operation, each with its own error type.

mod agents;
mod api_keys;
mod providers;
mod provisioning;
mod router;
mod templates;
mod tenants;

pub use agents::{AgentError, AgentPatch, Agents, NewAgent};
pub use api_keys::{ApiKeyError, ApiKeys, IssuedKey};
pub use providers::{NewProvider, ProviderDetails, ProviderPatch, Providers, ProvidersError};
pub use provisioning::{ProvisionError, ProvisionRequest, ProvisionedClient, Provisioning};
pub use router::{ModelRouter, ModelStatus, ProviderStatus, RouteError, Routed, RoutingPolicy};
pub use templates::Templates;
pub use tenants::{TenantDetails, TenantError, Tenants};
