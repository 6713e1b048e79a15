//! Runs: one execution of an agent, with its input, outcome, timing and token usage.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{AgentName, RunId, TenantId, ToolCallRecord};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Completed,
    Failed,
}

impl RunStatus {
    /// The lowercase name used on the wire and in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
        }
    }

    /// Parses a stored status.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "running" => Some(RunStatus::Running),
            "completed" => Some(RunStatus::Completed),
            "failed" => Some(RunStatus::Failed),
            _ => None,
        }
    }
}

/// One execution of a tenant's agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: RunId,
    pub tenant_id: TenantId,
    pub agent_name: AgentName,
    pub status: RunStatus,
    pub input: Value,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub started_at: DateTime<Utc>,
    pub duration_ms: Option<u64>,
    /// The tools the model called, in order.
    pub tool_calls: Vec<ToolCallRecord>,
}

impl Run {
    /// Prompt plus completion tokens: what counts against the token quota.
    #[must_use]
    pub fn tokens_used(&self) -> u64 {
        self.tokens_in.saturating_add(self.tokens_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in [RunStatus::Running, RunStatus::Completed, RunStatus::Failed] {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RunStatus::parse("done"), None);
    }
}
