//! `/api/admin/tenants/{id}/agents`: a tenant's agents, always scoped by the tenant in the path.

pub(crate) mod all;
pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod list;
pub(crate) mod runs;
pub(crate) mod stats;
pub(crate) mod update;

use ares_domain::AgentName;
use utoipa::ToSchema;

use crate::ApiError;

/// An agent name from the path. A name that cannot exist names no agent.
pub(crate) fn agent_name(raw: &str) -> Result<AgentName, ApiError> {
    // A name that cannot be an agent's is echoed escaped: no control character goes back to the client.
    AgentName::parse(raw).map_err(|_| ApiError::NotFound(format!("Agent not found: {}", raw.escape_debug())))
}

/// An agent's config as the API takes it: the schema of the domain's `AgentConfig`, which reads the body itself.
/// Keys it does not know are kept as they are.
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema only: the body is read as the domain's AgentConfig")]
pub(crate) struct AgentConfigBody {
    /// A model name (`GET /api/admin/models`) or a model tier.
    #[schema(example = "llama-3.3-70b", min_length = 1)]
    model: String,
    #[schema(example = "You are a risk analysis agent...")]
    system_prompt: Option<String>,
    /// Tool names: `calculator`, `web_search`, an MCP server's tools.
    #[schema(example = json!(["calculator"]), required = false)]
    tools: Vec<String>,
    #[schema(minimum = 1, maximum = 1_000_000, example = 2048)]
    max_tokens: Option<u32>,
    #[schema(minimum = 0.0, maximum = 2.0)]
    temperature: Option<f64>,
    /// Tool-calling rounds before the model must answer.
    #[schema(minimum = 1, maximum = 50)]
    max_iterations: Option<u32>,
    /// Whether the tool calls of one round run at the same time.
    parallel_execution: Option<bool>,
    /// Seconds one tool call may take.
    #[schema(exclusive_minimum = 0.0, maximum = 600.0)]
    tool_timeout: Option<f64>,
}
