//! `/api/admin/tenants/{id}/agents`: a tenant's agents, always scoped by the tenant in the path.

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod list;
pub(crate) mod update;

use ares_domain::AgentName;

use crate::ApiError;

/// An agent name from the path. A name that cannot exist names no agent.
pub(crate) fn agent_name(raw: &str) -> Result<AgentName, ApiError> {
    // A name that cannot be an agent's is echoed escaped: no control character goes back to the client.
    AgentName::parse(raw).map_err(|_| ApiError::NotFound(format!("Agent not found: {}", raw.escape_debug())))
}
