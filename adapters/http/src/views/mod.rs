//! The JSON shapes of the Admin API and V1 client API responses, as their references give them. Timestamps are
//! RFC 3339 UTC with a `Z` (`2026-03-13T00:00:00Z`).

use ares_application::ports::{AgentSummary, TenantListing};
use ares_application::usecases::TenantDetails;
use ares_domain::{Agent, AgentTemplate, ApiKey, Tenant};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

pub(crate) mod openai;
mod providers;
mod v1;

pub(crate) use providers::{ModelListItem, ProviderView};
pub(crate) use v1::{ClientAgentView, ClientKeyView, RunView, UsageView};

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A tenant as created or updated.
#[derive(Serialize)]
pub(crate) struct TenantView {
    id: String,
    name: String,
    tier: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_type: Option<&'static str>,
    created_at: String,
}

impl From<&Tenant> for TenantView {
    fn from(tenant: &Tenant) -> Self {
        TenantView {
            id: tenant.id.to_string(),
            name: tenant.name.to_string(),
            tier: tenant.tier.as_str(),
            product_type: tenant.product_type.map(|p| p.as_str()),
            created_at: timestamp(tenant.created_at),
        }
    }
}

/// A tenant in the tenant list.
#[derive(Serialize)]
pub(crate) struct TenantListItem {
    #[serde(flatten)]
    tenant: TenantView,
    agent_count: u64,
}

impl From<&TenantListing> for TenantListItem {
    fn from(listing: &TenantListing) -> Self {
        TenantListItem { tenant: TenantView::from(&listing.tenant), agent_count: listing.agent_count }
    }
}

/// A tenant with its figures: `total_runs`, `total_tokens` and `total_api_calls` are this month's, the figures
/// `/v1/usage` shows the tenant (README, Usage figures).
#[derive(Serialize)]
pub(crate) struct TenantDetailsView {
    #[serde(flatten)]
    tenant: TenantView,
    agent_count: u64,
    api_key_count: u64,
    total_runs: u64,
    total_tokens: u64,
    total_api_calls: u64,
    updated_at: String,
}

impl From<&TenantDetails> for TenantDetailsView {
    fn from(details: &TenantDetails) -> Self {
        TenantDetailsView {
            tenant: TenantView::from(&details.tenant),
            agent_count: details.stats.agent_count,
            api_key_count: details.stats.api_key_count,
            total_runs: details.usage.runs,
            total_tokens: details.usage.counters.month_tokens,
            total_api_calls: details.usage.counters.month_requests,
            updated_at: timestamp(details.tenant.updated_at),
        }
    }
}

/// An API key as listed: never its secret.
#[derive(Serialize)]
pub(crate) struct ApiKeyView {
    id: String,
    name: String,
    prefix: String,
    created_at: String,
    last_used: Option<String>,
    expires_at: Option<String>,
    revoked: bool,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(key: &ApiKey) -> Self {
        ApiKeyView {
            id: key.id.to_string(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            created_at: timestamp(key.created_at),
            last_used: key.last_used.map(timestamp),
            expires_at: key.expires_at.map(timestamp),
            revoked: key.revoked,
        }
    }
}

/// An agent in an agent list, with its run figures.
#[derive(Serialize)]
pub(crate) struct AgentListItem {
    id: String,
    name: String,
    agent_type: String,
    status: &'static str,
    model: String,
    total_runs: u64,
    success_rate: f64,
}

impl From<&AgentSummary> for AgentListItem {
    fn from(summary: &AgentSummary) -> Self {
        let agent = &summary.agent;
        AgentListItem {
            id: agent.id.to_string(),
            name: agent.name.to_string(),
            agent_type: agent.agent_type.to_string(),
            status: agent.status.as_str(),
            model: agent.config.model.clone(),
            total_runs: summary.total_runs,
            success_rate: (summary.success_rate() * 1000.0).round() / 1000.0,
        }
    }
}

/// An agent with its whole config, as created or updated.
#[derive(Serialize)]
pub(crate) struct AgentView {
    id: String,
    name: String,
    agent_type: String,
    status: &'static str,
    config: Map<String, Value>,
    created_at: String,
    updated_at: String,
}

impl From<&Agent> for AgentView {
    fn from(agent: &Agent) -> Self {
        AgentView {
            id: agent.id.to_string(),
            name: agent.name.to_string(),
            agent_type: agent.agent_type.to_string(),
            status: agent.status.as_str(),
            config: agent.config.to_json(),
            created_at: timestamp(agent.created_at),
            updated_at: timestamp(agent.updated_at),
        }
    }
}

/// An agent template.
#[derive(Serialize)]
pub(crate) struct TemplateView {
    name: String,
    agent_type: String,
    product_type: &'static str,
    config: Map<String, Value>,
}

impl From<&AgentTemplate> for TemplateView {
    fn from(template: &AgentTemplate) -> Self {
        TemplateView {
            name: template.name.to_string(),
            agent_type: template.agent_type.to_string(),
            product_type: template.product_type.as_str(),
            config: template.config.to_json(),
        }
    }
}
