//! What end users' agent routes answer: an agent with its whole config, flat.

use ares_domain::UserAgent;
use serde::Serialize;
use utoipa::ToSchema;

use super::timestamp;

/// One of the user's agents. Fields that are not set are `null` (empty lists for `tools`, `knowledge` and
/// `constraints`); the tool-loop settings are sent only when set.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "name": "code-reviewer", "agent_type": null, "model": "llama-3.3-70b-versatile",
    "system_prompt": "You are an expert code reviewer.", "tools": ["calculator"], "max_tokens": null,
    "temperature": null, "role": null, "personality": null, "knowledge": [], "constraints": [],
    "created_at": "2026-03-13T09:00:00Z", "updated_at": "2026-03-13T09:00:00Z"
}))]
pub(crate) struct UserAgentView {
    name: String,
    #[schema(required = true)]
    agent_type: Option<String>,
    model: String,
    #[schema(required = true)]
    system_prompt: Option<String>,
    tools: Vec<String>,
    #[schema(required = true)]
    max_tokens: Option<u32>,
    #[schema(required = true)]
    temperature: Option<f64>,
    #[schema(required = true)]
    role: Option<String>,
    #[schema(required = true)]
    personality: Option<String>,
    knowledge: Vec<String>,
    constraints: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_iterations: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_execution: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_timeout: Option<f64>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&UserAgent> for UserAgentView {
    fn from(agent: &UserAgent) -> Self {
        let config = agent.config.clone();
        UserAgentView {
            name: agent.name.to_string(),
            agent_type: agent.agent_type.as_ref().map(ToString::to_string),
            model: config.model,
            system_prompt: config.system_prompt,
            tools: config.tools,
            max_tokens: config.max_tokens,
            temperature: config.temperature,
            role: config.role,
            personality: config.personality,
            knowledge: config.knowledge,
            constraints: config.constraints,
            max_iterations: config.max_iterations,
            parallel_execution: config.parallel_execution,
            tool_timeout: config.tool_timeout,
            created_at: timestamp(agent.created_at),
            updated_at: timestamp(agent.updated_at),
        }
    }
}
