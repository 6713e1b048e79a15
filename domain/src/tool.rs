//! Tools in a run: the settings of the tool-calling loop, and the record of each call a model made.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AgentConfig;

/// How the tool-calling loop runs: the server's defaults, which an agent's config may override.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToolSettings {
    /// Model rounds that may call tools; then the model is asked for a final answer without them.
    pub max_iterations: u32,
    /// Several calls of one round run at the same time.
    pub parallel_execution: bool,
    /// How long one call may take before it is answered with an error.
    pub tool_timeout: Duration,
}

impl Default for ToolSettings {
    /// The documented defaults (Guide: Tool Calling, Configuration).
    fn default() -> Self {
        ToolSettings { max_iterations: 10, parallel_execution: true, tool_timeout: Duration::from_secs(30) }
    }
}

impl ToolSettings {
    /// These settings with the agent's own (`max_iterations`, `parallel_execution`, `tool_timeout` in seconds).
    #[must_use]
    pub fn for_agent(&self, config: &AgentConfig) -> ToolSettings {
        ToolSettings {
            max_iterations: config.max_iterations.unwrap_or(self.max_iterations),
            parallel_execution: config.parallel_execution.unwrap_or(self.parallel_execution),
            tool_timeout: config.tool_timeout.map_or(self.tool_timeout, Duration::from_secs_f64),
        }
    }
}

/// One call a model made during a run, and what came of it: a result or an error, never both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub name: String,
    pub arguments: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_agent_overrides_only_the_settings_it_gives() {
        let config = AgentConfig::from_json(
            json!({"model": "m", "max_iterations": 3, "tool_timeout": 0.5}).as_object().cloned().unwrap(),
        )
        .unwrap();
        let settings = ToolSettings::default().for_agent(&config);
        assert_eq!(
            settings,
            ToolSettings { max_iterations: 3, parallel_execution: true, tool_timeout: Duration::from_millis(500) }
        );
    }
}
