//! The operators' reports, alerts and audit log, as the Admin API reference shows them. Money is `cost_usd`, US
//! dollars as a JSON number; the store keeps it exact in billionths of a dollar.

use ares_application::ports::{DailyUsage, RunStats};
use ares_application::usecases::{PlatformStats, TenantUsage};
use ares_domain::usage::usd;
use ares_domain::{Agent, Alert, AuditEntry, Run, TenantName};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::names::{AgentStatusName, SeverityName, TierName};
use super::{PageInfo, timestamp};

/// A tenant's usage in the current calendar month, with its quotas (`null` for unlimited).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "tenant_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "tenant_name": "acme-corp", "tier": "pro",
    "period_start": "2026-03-01T00:00:00Z", "period_end": "2026-03-31T23:59:59Z", "total_runs": 4821,
    "total_tokens": 2847193, "total_requests": 5290, "cost_usd": 14.2359, "quota_runs": 100000,
    "quota_tokens": 10000000, "quota_cost_usd": null
}))]
pub(crate) struct TenantUsageView {
    tenant_id: String,
    tenant_name: String,
    #[schema(value_type = TierName)]
    tier: &'static str,
    #[schema(format = DateTime)]
    period_start: String,
    #[schema(format = DateTime)]
    period_end: String,
    /// Requests that ran a model.
    total_runs: u64,
    total_tokens: u64,
    /// Every metered request.
    total_requests: u64,
    cost_usd: f64,
    /// The monthly request quota.
    #[schema(required = true)]
    quota_runs: Option<u64>,
    #[schema(required = true)]
    quota_tokens: Option<u64>,
    /// The monthly cost at which alerts are raised (80% and 90%).
    #[schema(required = true)]
    quota_cost_usd: Option<f64>,
}

impl From<&TenantUsage> for TenantUsageView {
    fn from(TenantUsage { tenant, report }: &TenantUsage) -> Self {
        let usage = &report.usage;
        TenantUsageView {
            tenant_id: tenant.id.to_string(),
            tenant_name: tenant.name.to_string(),
            tier: tenant.tier.as_str(),
            period_start: timestamp(report.period.month_start()),
            period_end: timestamp(report.period.month_end()),
            total_runs: usage.runs,
            total_tokens: usage.counters.month_tokens,
            total_requests: usage.counters.month_requests,
            cost_usd: usd(usage.cost_nanos),
            quota_runs: report.quota.monthly_requests,
            quota_tokens: report.quota.monthly_tokens,
            quota_cost_usd: report.quota.monthly_cost_nanos.map(usd),
        }
    }
}

/// One day of usage.
#[derive(Serialize, ToSchema)]
pub(crate) struct DailyUsageView {
    #[schema(format = Date, example = "2026-03-13")]
    date: String,
    runs: u64,
    tokens: u64,
    requests: u64,
    cost_usd: f64,
}

impl From<&DailyUsage> for DailyUsageView {
    fn from(day: &DailyUsage) -> Self {
        DailyUsageView {
            date: day.date.format("%Y-%m-%d").to_string(),
            runs: day.runs,
            tokens: day.tokens,
            requests: day.api_calls,
            cost_usd: usd(day.cost_nanos),
        }
    }
}

/// Every day of the window, newest first, days without usage included.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"daily": [
    {"date": "2026-03-13", "runs": 312, "tokens": 184920, "requests": 340, "cost_usd": 0.9246},
    {"date": "2026-03-12", "runs": 287, "tokens": 171003, "requests": 315, "cost_usd": 0.855}
]}))]
pub(crate) struct DailyUsageList {
    pub daily: Vec<DailyUsageView>,
}

/// One run of an agent, for operators.
#[derive(Serialize, ToSchema)]
pub(crate) struct AdminRunView {
    id: String,
    #[schema(example = "completed")]
    status: &'static str,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(required = true)]
    duration_ms: Option<u64>,
    tokens_used: u64,
    #[schema(required = true)]
    model: Option<String>,
    #[schema(required = true)]
    provider: Option<String>,
    /// Why it failed, when it did.
    #[schema(required = true)]
    error: Option<String>,
}

impl From<&Run> for AdminRunView {
    fn from(run: &Run) -> Self {
        AdminRunView {
            id: run.id.to_string(),
            status: run.status.as_str(),
            started_at: timestamp(run.started_at),
            duration_ms: run.duration_ms,
            tokens_used: run.tokens_used(),
            model: run.model.clone(),
            provider: run.provider.clone(),
            error: run.error.clone(),
        }
    }
}

/// An agent's latest runs, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct AdminRunList {
    pub runs: Vec<AdminRunView>,
}

/// What an agent's runs add up to.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "agent_name": "kasino-classifier", "total_runs": 2841, "successful_runs": 2815, "failed_runs": 26,
    "success_rate": 0.991, "avg_duration_ms": 1102, "avg_tokens": 723, "last_run": "2026-03-13T14:22:00Z"
}))]
pub(crate) struct AgentStatsView {
    agent_name: String,
    total_runs: u64,
    successful_runs: u64,
    failed_runs: u64,
    /// Successful runs over all runs, to three decimals; 0 for an agent that never ran.
    success_rate: f64,
    /// Over the runs that finished, rounded.
    avg_duration_ms: u64,
    avg_tokens: u64,
    #[schema(format = DateTime, required = true)]
    last_run: Option<String>,
}

impl AgentStatsView {
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "averages of non-negative counts")]
    pub(crate) fn new(agent_name: &str, stats: &RunStats) -> Self {
        AgentStatsView {
            agent_name: agent_name.to_owned(),
            total_runs: stats.total,
            successful_runs: stats.successful,
            failed_runs: stats.failed,
            success_rate: (stats.success_rate() * 1000.0).round() / 1000.0,
            avg_duration_ms: stats.avg_duration_ms.round() as u64,
            avg_tokens: stats.avg_tokens.round() as u64,
            last_run: stats.last_run.map(timestamp),
        }
    }
}

/// An agent of any tenant, with its tenant.
#[derive(Serialize, ToSchema)]
pub(crate) struct TenantAgentView {
    id: String,
    tenant_id: String,
    tenant_name: String,
    name: String,
    agent_type: String,
    #[schema(value_type = AgentStatusName)]
    status: &'static str,
    model: String,
    #[schema(format = DateTime)]
    created_at: String,
}

impl TenantAgentView {
    pub(crate) fn new(agent: &Agent, tenant: &TenantName) -> Self {
        TenantAgentView {
            id: agent.id.to_string(),
            tenant_id: agent.tenant_id.to_string(),
            tenant_name: tenant.to_string(),
            name: agent.name.to_string(),
            agent_type: agent.agent_type.to_string(),
            status: agent.status.as_str(),
            model: agent.config.model.clone(),
            created_at: timestamp(agent.created_at),
        }
    }
}

/// Every tenant's agents, a page of them (by tenant name, then agent name).
#[derive(Serialize, ToSchema)]
pub(crate) struct TenantAgentPage {
    pub agents: Vec<TenantAgentView>,
    #[serde(flatten)]
    pub paging: PageInfo,
}

/// The platform's totals; usage is the current UTC day's.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "total_tenants": 12, "total_agents": 47, "total_runs_today": 3291, "total_tokens_today": 1948271,
    "total_requests_today": 3502, "cost_usd_today": 9.74, "active_alerts": 2
}))]
pub(crate) struct PlatformStatsView {
    total_tenants: u64,
    total_agents: u64,
    total_runs_today: u64,
    total_tokens_today: u64,
    total_requests_today: u64,
    cost_usd_today: f64,
    active_alerts: u64,
}

impl From<&PlatformStats> for PlatformStatsView {
    fn from(stats: &PlatformStats) -> Self {
        PlatformStatsView {
            total_tenants: stats.tenants,
            total_agents: stats.agents,
            total_runs_today: stats.today.runs,
            total_tokens_today: stats.today.tokens,
            total_requests_today: stats.today.api_calls,
            cost_usd_today: usd(stats.today.cost_nanos),
            active_alerts: stats.active_alerts,
        }
    }
}

/// An alert.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b7e3c1a-5d2f-4e8a-9b6c-1f2e3d4c5b6a", "severity": "critical", "kind": "quota",
    "message": "Tenant acme-corp approaching token quota (92%)", "tenant_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
    "created_at": "2026-03-13T10:00:00Z", "resolved": false, "resolved_at": null
}))]
pub(crate) struct AlertView {
    id: String,
    #[schema(value_type = SeverityName)]
    severity: &'static str,
    /// `quota`, `cost` or `circuit`.
    kind: String,
    message: String,
    #[schema(required = true)]
    tenant_id: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    resolved: bool,
    #[schema(format = DateTime, required = true)]
    resolved_at: Option<String>,
}

impl From<&Alert> for AlertView {
    fn from(alert: &Alert) -> Self {
        AlertView {
            id: alert.id.to_string(),
            severity: alert.severity.as_str(),
            kind: alert.kind.clone(),
            message: alert.message.clone(),
            tenant_id: alert.tenant_id.map(|id| id.to_string()),
            created_at: timestamp(alert.created_at),
            resolved: alert.resolved,
            resolved_at: alert.resolved_at.map(timestamp),
        }
    }
}

/// Alerts, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct AlertList {
    pub alerts: Vec<AlertView>,
}

/// One audit log entry.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "3c2b1a09-8f7e-4d6c-b5a4-392817161514", "action": "tenant.created", "actor": "admin",
    "tenant_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "target": "tenant:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
    "details": {"tenant_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "tenant_name": "acme-corp", "tier": "pro"},
    "timestamp": "2026-03-13T00:00:00Z"
}))]
pub(crate) struct AuditEntryView {
    id: String,
    action: String,
    /// `admin`, or the prefix of the API key that made the change.
    actor: String,
    #[schema(required = true)]
    tenant_id: Option<String>,
    #[schema(required = true)]
    target: Option<String>,
    #[schema(value_type = Object)]
    details: Map<String, Value>,
    #[schema(format = DateTime)]
    timestamp: String,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(entry: &AuditEntry) -> Self {
        AuditEntryView {
            id: entry.id.to_string(),
            action: entry.action.clone(),
            actor: entry.actor.clone(),
            tenant_id: entry.tenant_id.map(|id| id.to_string()),
            target: entry.target.clone(),
            details: entry.details.clone(),
            timestamp: timestamp(entry.at),
        }
    }
}

/// Audit entries, newest first. For the next page, pass the last entry's id as `before`.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditEntryList {
    pub entries: Vec<AuditEntryView>,
}
