//! The JSON shapes of the V1 client API, as the V1 reference gives them.

use ares_application::ports::AgentSummary;
use ares_application::usecases::UsageReport;
use ares_domain::{Agent, ApiKey, Run, ToolCallRecord};
use serde::Serialize;
use serde_json::{Map, Value};

use super::timestamp;

/// Completed runs over all runs, to three decimals.
fn rate(summary: &AgentSummary) -> f64 {
    (summary.success_rate() * 1000.0).round() / 1000.0
}

/// An agent of the caller's tenant, with its whole config and run figures.
#[derive(Serialize)]
pub(crate) struct ClientAgentView {
    id: String,
    name: String,
    agent_type: String,
    status: &'static str,
    config: Map<String, Value>,
    created_at: String,
    last_run: Option<String>,
    total_runs: u64,
    success_rate: f64,
}

impl From<&AgentSummary> for ClientAgentView {
    fn from(summary: &AgentSummary) -> Self {
        let agent = &summary.agent;
        ClientAgentView {
            id: agent.id.to_string(),
            name: agent.name.to_string(),
            agent_type: agent.agent_type.to_string(),
            status: agent.status.as_str(),
            config: agent.config.to_json(),
            created_at: timestamp(agent.created_at),
            last_run: summary.last_run.map(timestamp),
            total_runs: summary.total_runs,
            success_rate: rate(summary),
        }
    }
}

/// One run, with the tool calls its model made.
#[derive(Serialize)]
pub(crate) struct RunView {
    id: String,
    agent_id: String,
    status: &'static str,
    input: Value,
    output: Option<Value>,
    error: Option<String>,
    started_at: String,
    finished_at: Option<String>,
    duration_ms: Option<u64>,
    tokens_used: u64,
    tool_calls: Vec<ToolCallRecord>,
}

impl RunView {
    pub(crate) fn new(run: &Run, agent: &Agent) -> Self {
        let finished =
            run.duration_ms.map(|ms| run.started_at + chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(0)));
        RunView {
            id: run.id.to_string(),
            agent_id: agent.id.to_string(),
            status: run.status.as_str(),
            input: run.input.clone(),
            output: run.output.clone(),
            error: run.error.clone(),
            started_at: timestamp(run.started_at),
            finished_at: finished.map(timestamp),
            duration_ms: run.duration_ms,
            tokens_used: run.tokens_used(),
            tool_calls: run.tool_calls.clone(),
        }
    }
}

/// A key of the caller's tenant: never its secret.
#[derive(Serialize)]
pub(crate) struct ClientKeyView {
    id: String,
    name: String,
    prefix: String,
    created_at: String,
    expires_at: Option<String>,
    last_used: Option<String>,
}

impl From<&ApiKey> for ClientKeyView {
    fn from(key: &ApiKey) -> Self {
        ClientKeyView {
            id: key.id.to_string(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            created_at: timestamp(key.created_at),
            expires_at: key.expires_at.map(timestamp),
            last_used: key.last_used.map(timestamp),
        }
    }
}

#[derive(Serialize)]
struct DayView {
    date: String,
    runs: u64,
    tokens: u64,
    api_calls: u64,
}

/// The tenant's usage in the current billing period (the calendar month).
#[derive(Serialize)]
pub(crate) struct UsageView {
    period_start: String,
    period_end: String,
    total_runs: u64,
    total_tokens: u64,
    total_api_calls: u64,
    quota_runs: Option<u64>,
    quota_tokens: Option<u64>,
    daily_usage: Vec<DayView>,
}

impl From<&UsageReport> for UsageView {
    fn from(report: &UsageReport) -> Self {
        let usage = &report.usage;
        UsageView {
            period_start: timestamp(report.period.month_start()),
            period_end: timestamp(report.period.month_end()),
            total_runs: usage.runs,
            total_tokens: usage.counters.month_tokens,
            total_api_calls: usage.counters.month_requests,
            quota_runs: report.quota.monthly_requests,
            quota_tokens: report.quota.monthly_tokens,
            daily_usage: usage
                .daily
                .iter()
                .map(|day| DayView {
                    date: day.date.format("%Y-%m-%d").to_string(),
                    runs: day.runs,
                    tokens: day.tokens,
                    api_calls: day.api_calls,
                })
                .collect(),
        }
    }
}
