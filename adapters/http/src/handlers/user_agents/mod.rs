//! `/api/user/agents`: a signed-in user's own agents, always scoped by the user of the access token; another
//! user's agent is not found. Agents import from and export to TOON.

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod export;
pub(crate) mod get;
pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod update;

use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::ApiError;

/// The config fields of a body: its own fields with those of its `config` object, if any, lifted out. The flat
/// form (`{"name", "model", ...}`) and the nested one (`{"name", "agent_type", "config": {...}}`) read alike.
pub(crate) fn config_fields(mut fields: Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let nested = match fields.shift_remove("config") {
        None | Some(Value::Null) => return Ok(fields),
        Some(Value::Object(nested)) => nested,
        Some(_) => return Err(ApiError::BadRequest("Invalid request body: config must be an object".into())),
    };
    for (key, value) in nested {
        if fields.contains_key(&key) {
            return Err(ApiError::BadRequest(format!(
                "Invalid request body: '{key}' is given both in and out of config"
            )));
        }
        fields.insert(key, value);
    }
    Ok(fields)
}

/// An agent's config fields as the user routes take them, flat or inside `config`. Fields it does not name are
/// kept as they are.
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema only: the body is read as a JSON object")]
pub(crate) struct UserAgentFields {
    /// A model the platform serves: a model name, a tier or an upstream model id (`GET /api/admin/models`).
    #[schema(example = "llama-3.3-70b-versatile", min_length = 1)]
    model: Option<String>,
    #[schema(example = "You are an expert code reviewer. Be concise and actionable.")]
    system_prompt: Option<String>,
    /// Tools the platform has: `calculator`, `web_search`, an MCP server's tools.
    #[schema(example = json!(["calculator"]))]
    tools: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 1_000_000, example = 4096)]
    max_tokens: Option<u32>,
    #[schema(minimum = 0.0, maximum = 2.0)]
    temperature: Option<f64>,
    /// The structured prompt, assembled after `system_prompt`: who the agent is.
    #[schema(example = "Customer Support Specialist")]
    role: Option<String>,
    #[schema(example = "Professional, empathetic, solution-oriented")]
    personality: Option<String>,
    #[schema(example = json!(["product documentation", "pricing plans"]))]
    knowledge: Option<Vec<String>>,
    #[schema(example = json!(["Never make up information about products"]))]
    constraints: Option<Vec<String>>,
    /// Tool-calling rounds before the model must answer.
    #[schema(minimum = 1, maximum = 50)]
    max_iterations: Option<u32>,
    /// Whether the tool calls of one round run at the same time.
    parallel_execution: Option<bool>,
    /// Seconds one tool call may take.
    #[schema(exclusive_minimum = 0.0, maximum = 600.0)]
    tool_timeout: Option<f64>,
    /// The same fields nested, as the guide writes them (a field may not be given both in and out of it).
    #[schema(value_type = Option<Object>)]
    config: Option<Map<String, Value>>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_flat_and_nested_forms_give_the_same_fields() {
        let flat = object(json!({"model": "m", "tools": ["calculator"]}));
        let nested = object(json!({"config": {"model": "m", "tools": ["calculator"]}}));
        assert_eq!(config_fields(flat.clone()).ok(), Some(flat.clone()));
        assert_eq!(config_fields(nested).ok(), Some(flat));
    }

    #[test]
    fn a_field_given_twice_or_a_config_that_is_no_object_is_a_bad_request() {
        let twice = object(json!({"model": "m", "config": {"model": "n"}}));
        let err = config_fields(twice).err().map(|err| err.to_string());
        assert_eq!(err.as_deref(), Some("Invalid request body: 'model' is given both in and out of config"));
        assert!(config_fields(object(json!({"config": "m"}))).is_err());
    }
}
