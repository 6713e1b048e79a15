//! Use cases: small structs over their ports, one method per operation, each with its own error type.

mod agents;
mod api_keys;
mod provisioning;
mod templates;
mod tenants;

pub use agents::{AgentError, AgentPatch, Agents, NewAgent};
pub use api_keys::{ApiKeyError, ApiKeys, IssuedKey};
pub use provisioning::{ProvisionError, ProvisionRequest, ProvisionedClient, Provisioning};
pub use templates::Templates;
pub use tenants::{TenantDetails, TenantError, Tenants};
