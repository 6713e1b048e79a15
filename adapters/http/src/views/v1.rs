//! The JSON shapes of the V1 client API, as the V1 reference gives them.

use ares_application::ports::AgentSummary;
use ares_application::usecases::{IssuedKey, PreparedChat, ToolRun, UsageReport};
use ares_domain::{Agent, ApiKey, Run, ToolCallRecord};
use ares_llm::wire::openai::finish_reason_to_wire;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{AgentStatusName, PageInfo, timestamp};

/// Completed runs over all runs, to three decimals.
fn rate(summary: &AgentSummary) -> f64 {
    (summary.success_rate() * 1000.0).round() / 1000.0
}

/// An agent of the caller's tenant, with its whole config and run figures.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b9f4d2e-6c1a-4f5e-9d3b-2a7c8e1f0a11", "name": "risk-analyzer", "agent_type": "classifier",
    "status": "active",
    "config": {"model": "llama-3.3-70b", "system_prompt": "You are a risk analysis agent...",
               "tools": ["calculator"], "max_tokens": 2048},
    "created_at": "2026-03-01T00:00:00Z", "last_run": "2026-03-13T14:22:00Z", "total_runs": 1547,
    "success_rate": 0.982
}))]
pub(crate) struct ClientAgentView {
    id: String,
    name: String,
    agent_type: String,
    #[schema(value_type = AgentStatusName)]
    status: &'static str,
    #[schema(value_type = Object)]
    config: Map<String, Value>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(required = true, format = DateTime)]
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
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5e1c7a90-3b2d-4c8f-a6e4-9f0b1d2c3e44", "agent_id": "0b9f4d2e-6c1a-4f5e-9d3b-2a7c8e1f0a11",
    "status": "completed", "input": {"message": "Analyze the risk profile..."},
    "output": {"risk_score": 0.73, "risk_level": "medium", "reasoning": "Elevated amount for merchant category..."},
    "error": null, "started_at": "2026-03-13T14:22:00Z", "finished_at": "2026-03-13T14:22:01Z",
    "duration_ms": 1243, "tokens_used": 847, "tool_calls": []
}))]
pub(crate) struct RunView {
    id: String,
    agent_id: String,
    status: &'static str,
    input: Value,
    #[schema(required = true)]
    output: Option<Value>,
    #[schema(required = true)]
    error: Option<String>,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(required = true, format = DateTime)]
    finished_at: Option<String>,
    #[schema(required = true)]
    duration_ms: Option<u64>,
    tokens_used: u64,
    tool_calls: Vec<ToolCallView>,
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
            tool_calls: run.tool_calls.iter().map(ToolCallView::from).collect(),
        }
    }
}

/// A key of the caller's tenant: never its secret.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "8d7e6f5a-4b3c-4d2e-9f1a-0b2c3d4e5f66", "name": "android-production", "prefix": "ares_a1b2",
    "created_at": "2026-03-01T00:00:00Z", "expires_at": "2027-03-01T00:00:00Z", "last_used": "2026-03-13T14:00:00Z"
}))]
pub(crate) struct ClientKeyView {
    id: String,
    name: String,
    prefix: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(required = true, format = DateTime)]
    expires_at: Option<String>,
    #[schema(required = true, format = DateTime)]
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

#[derive(Serialize, ToSchema)]
struct UsageDayView {
    #[schema(format = Date)]
    date: String,
    runs: u64,
    tokens: u64,
    api_calls: u64,
    cost_usd: f64,
}

/// The tenant's usage in the current billing period (the calendar month).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "period_start": "2026-03-01T00:00:00Z", "period_end": "2026-03-31T23:59:59Z", "total_runs": 4821,
    "total_tokens": 2847193, "total_api_calls": 5290, "quota_runs": 100000, "quota_tokens": 10000000,
    "daily_usage": [
        {"date": "2026-03-13", "runs": 312, "tokens": 184920, "api_calls": 340},
        {"date": "2026-03-12", "runs": 287, "tokens": 171003, "api_calls": 315}
    ]
}))]
pub(crate) struct UsageView {
    #[schema(format = DateTime)]
    period_start: String,
    #[schema(format = DateTime)]
    period_end: String,
    total_runs: u64,
    total_tokens: u64,
    total_api_calls: u64,
    #[schema(required = true)]
    quota_runs: Option<u64>,
    #[schema(required = true)]
    quota_tokens: Option<u64>,
    /// What this month's requests cost, in US dollars, at each model's price when it ran.
    cost_usd: f64,
    daily_usage: Vec<UsageDayView>,
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
            cost_usd: ares_domain::usage::usd(usage.cost_nanos),
            daily_usage: usage
                .daily
                .iter()
                .map(|day| UsageDayView {
                    date: day.date.format("%Y-%m-%d").to_string(),
                    runs: day.runs,
                    tokens: day.tokens,
                    api_calls: day.api_calls,
                    cost_usd: ares_domain::usage::usd(day.cost_nanos),
                })
                .collect(),
        }
    }
}

/// One tool call of a run: its result or its error, never both.
#[derive(Serialize, ToSchema)]
pub(crate) struct ToolCallView {
    name: String,
    arguments: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    duration_ms: u64,
}

impl From<&ToolCallRecord> for ToolCallView {
    fn from(call: &ToolCallRecord) -> Self {
        ToolCallView {
            name: call.name.clone(),
            arguments: call.arguments.clone(),
            result: call.result.clone(),
            error: call.error.clone(),
            duration_ms: call.duration_ms,
        }
    }
}

/// The caller's agents, a page of them.
#[derive(Serialize, ToSchema)]
pub(crate) struct ClientAgentPage {
    pub agents: Vec<ClientAgentView>,
    #[serde(flatten)]
    pub paging: PageInfo,
}

/// An agent's runs, newest first, a page of them.
#[derive(Serialize, ToSchema)]
pub(crate) struct RunPage {
    pub runs: Vec<RunView>,
    #[serde(flatten)]
    pub paging: PageInfo,
}

/// The caller's live keys, a page of them.
#[derive(Serialize, ToSchema)]
pub(crate) struct ClientKeyPage {
    pub keys: Vec<ClientKeyView>,
    #[serde(flatten)]
    pub paging: PageInfo,
}

/// A key the client just made: `secret` is shown this once.
#[derive(Serialize, ToSchema)]
pub(crate) struct IssuedClientKeyView {
    /// The key's id.
    key: String,
    #[schema(example = "ares_Xk2mP9qR4tV7wY1zA3bC5dE8fG0hJ6kL2nQ4sU7vX9yZ1aB")]
    secret: String,
    name: String,
    prefix: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(required = true, format = DateTime)]
    expires_at: Option<String>,
}

impl From<&IssuedKey> for IssuedClientKeyView {
    fn from(issued: &IssuedKey) -> Self {
        IssuedClientKeyView {
            key: issued.key.id.to_string(),
            secret: issued.raw_key.expose().to_owned(),
            name: issued.key.name.clone(),
            prefix: issued.key.prefix.clone(),
            created_at: timestamp(issued.key.created_at),
            expires_at: issued.key.expires_at.map(timestamp),
        }
    }
}

/// A whole chat answer.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9", "content": "Based on the data, Q1 revenue showed...",
    "model": "llama-3.3-70b", "tokens_used": 312, "finish_reason": "stop",
    "response": "Based on the data, Q1 revenue showed...", "agent": "analyst",
    "context_id": "ctx_a1b2c3d40000000000000000000000ff", "sources": null
}))]
pub(crate) struct ChatView<'a> {
    pub id: String,
    pub content: &'a str,
    /// The model that answered.
    pub model: &'a str,
    pub tokens_used: u64,
    #[schema(example = "stop")]
    pub finish_reason: &'a str,
    /// The answer again, as the Quickstart reads it.
    pub response: &'a str,
    /// The agent that answered, if one did.
    #[schema(example = "product")]
    pub agent: Option<&'a str>,
    /// The conversation the exchange is kept in: pass it back to continue it. `null` when the client keeps the
    /// history itself (the `messages` form without `context_id`).
    #[schema(example = "ctx_a1b2c3d40000000000000000000000ff")]
    pub context_id: Option<String>,
    /// The documents the answer drew on, when the agent retrieved any.
    #[schema(value_type = Option<Vec<Object>>)]
    pub sources: Option<Vec<serde_json::Value>>,
}

impl<'a> ChatView<'a> {
    /// The view of `answer` to `chat`, routed to `model`.
    pub(crate) fn new(chat: &'a PreparedChat, answer: &'a ToolRun, model: &'a str) -> Self {
        ChatView {
            id: uuid::Uuid::new_v4().to_string(),
            content: &answer.response.text,
            model,
            tokens_used: answer.usage.total(),
            finish_reason: finish_reason_to_wire(&answer.response.finish_reason),
            response: &answer.response.text,
            agent: chat.agent.as_ref().map(|agent| agent.name.as_str()),
            context_id: chat.context_id().map(|id| id.to_string()),
            sources: None,
        }
    }
}

/// One `data:` event of `/v1/chat/stream`: text deltas with `finish_reason: null`, then one last event with the
/// finish reason and `tokens_used`, or `"finish_reason": "error"` and the `error`.
#[derive(Serialize, ToSchema)]
pub(crate) struct StreamEventView<'a> {
    delta: &'a str,
    #[schema(required = true)]
    finish_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens_used: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// On the last event: the conversation the exchange is kept in, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    context_id: Option<String>,
}

impl<'a> StreamEventView<'a> {
    /// A piece of the answer.
    pub(crate) fn delta(delta: &'a str) -> Self {
        StreamEventView { delta, finish_reason: None, tokens_used: None, error: None, context_id: None }
    }

    /// The last event of an answer that finished for `reason`, having used `tokens`.
    pub(crate) fn finished(reason: &'a str, tokens: u64, context_id: Option<String>) -> Self {
        StreamEventView { delta: "", finish_reason: Some(reason), tokens_used: Some(tokens), error: None, context_id }
    }

    /// The last event of an answer that failed.
    pub(crate) fn failed(error: &'a str) -> Self {
        StreamEventView {
            delta: "",
            finish_reason: Some("error"),
            tokens_used: None,
            error: Some(error),
            context_id: None,
        }
    }
}
