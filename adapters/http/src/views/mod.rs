//! The JSON shapes of the Admin API and V1 client API responses, as their references give them. Timestamps are
//! RFC 3339 UTC with a `Z` (`2026-03-13T00:00:00Z`).

use ares_application::ports::{AgentSummary, TenantListing};
use ares_application::usecases::{IssuedKey, ProvisionedClient, TenantDetails};
use ares_domain::{Agent, AgentTemplate, ApiKey, Page, Tenant};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

mod analytics;
mod conversations;
mod insight;
mod names;
pub(crate) mod openai;
mod providers;
mod user_agents;
mod users;
mod v1;

pub(crate) use analytics::{BreakdownView, TimeseriesView, UsagePointView, UsageSliceView};
pub(crate) use conversations::{ConversationDetailView, ConversationView, MemoryView, PlatformAgentView};
pub(crate) use insight::{
    AdminRunList, AdminRunView, AgentStatsView, AlertList, AlertView, AuditEntryList, AuditEntryView, DailyUsageList,
    DailyUsageView, PlatformStatsView, TenantAgentPage, TenantAgentView, TenantUsageView,
};
pub(crate) use names::{
    AgentStatusName, MessageRole, ModelTierName, ProductTypeName, ProviderKindName, SeverityName, TierName,
};
pub(crate) use providers::{ModelListItem, ProviderView};
pub(crate) use user_agents::UserAgentView;
pub(crate) use users::{MessageView, RegisteredView, TokensView, UserPage, UserView};
pub(crate) use v1::{
    ChatView, ClientAgentPage, ClientAgentView, ClientKeyPage, ClientKeyView, IssuedClientKeyView, RunPage, RunView,
    StreamEventView, UsageView,
};

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A tenant as created or updated.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "name": "acme-corp", "tier": "pro", "product_type": "kasino",
    "created_at": "2026-03-13T00:00:00Z"
}))]
pub(crate) struct TenantView {
    id: String,
    name: String,
    #[schema(value_type = TierName)]
    tier: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ProductTypeName>)]
    product_type: Option<&'static str>,
    #[schema(format = DateTime)]
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
#[derive(Serialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "name": "acme-corp", "tier": "pro", "product_type": "kasino",
    "created_at": "2026-03-13T00:00:00Z", "agent_count": 4, "api_key_count": 2, "total_runs": 12849,
    "total_tokens": 7291034, "total_api_calls": 13502, "updated_at": "2026-03-13T00:00:00Z"
}))]
pub(crate) struct TenantDetailsView {
    #[serde(flatten)]
    tenant: TenantView,
    agent_count: u64,
    api_key_count: u64,
    total_runs: u64,
    total_tokens: u64,
    total_api_calls: u64,
    #[schema(format = DateTime)]
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
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiKeyView {
    id: String,
    name: String,
    prefix: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(required = true, format = DateTime)]
    last_used: Option<String>,
    #[schema(required = true, format = DateTime)]
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
#[derive(Serialize, ToSchema)]
pub(crate) struct AgentListItem {
    id: String,
    name: String,
    agent_type: String,
    #[schema(value_type = AgentStatusName)]
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
#[derive(Serialize, ToSchema)]
pub(crate) struct AgentView {
    id: String,
    name: String,
    agent_type: String,
    #[schema(value_type = AgentStatusName)]
    status: &'static str,
    #[schema(value_type = Object)]
    config: Map<String, Value>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
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
#[derive(Serialize, ToSchema)]
pub(crate) struct TemplateView {
    name: String,
    agent_type: String,
    #[schema(value_type = ProductTypeName)]
    product_type: &'static str,
    #[schema(value_type = Object)]
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

/// An error answer: `{"error": "...", "code": "..."}`; a 429 says when to try again when it knows.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorView {
    /// What went wrong, for people.
    #[schema(example = "Tenant not found")]
    pub error: String,
    /// What went wrong, for programs: `NOT_FOUND`, `VALIDATION_ERROR`, `RATE_LIMIT_EXCEEDED`, ...
    #[schema(example = "NOT_FOUND")]
    pub code: &'static str,
    /// Seconds until the limit lets the request through, when known (also sent as `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// `{"tenants": [...]}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct TenantList {
    pub tenants: Vec<TenantListItem>,
}

/// `{"agents": [...]}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgentList {
    pub agents: Vec<AgentListItem>,
}

/// `{"templates": [...]}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct TemplateList {
    pub templates: Vec<TemplateView>,
}

/// `{"models": [...]}`: every configured model across providers.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelCatalog {
    pub models: Vec<ModelListItem>,
}

/// `{"providers": [...]}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProviderList {
    pub providers: Vec<ProviderView>,
}

/// Where a page sits in its listing: the items in all pages, this page's number and size.
#[derive(Serialize, ToSchema)]
pub(crate) struct PageInfo {
    total: u64,
    page: u64,
    per_page: u64,
}

impl PageInfo {
    pub(crate) fn new(page: Page, total: u64) -> Self {
        PageInfo { total, page: page.number(), per_page: page.size() }
    }
}

/// A tenant's keys, a page of them.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApiKeyPage {
    pub keys: Vec<ApiKeyView>,
    #[serde(flatten)]
    pub paging: PageInfo,
}

/// A key just issued by an operator: `raw_key` is shown this once.
#[derive(Serialize, ToSchema)]
pub(crate) struct IssuedKeyView {
    id: String,
    name: String,
    prefix: String,
    #[schema(example = "ares_Xk2mP9qR4tV7wY1zA3bC5dE8fG0hJ6kL2nQ4sU7vX9yZ1aB")]
    raw_key: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(required = true, format = DateTime)]
    expires_at: Option<String>,
}

impl From<&IssuedKey> for IssuedKeyView {
    fn from(issued: &IssuedKey) -> Self {
        IssuedKeyView {
            id: issued.key.id.to_string(),
            name: issued.key.name.clone(),
            prefix: issued.key.prefix.clone(),
            raw_key: issued.raw_key.expose().to_owned(),
            created_at: timestamp(issued.key.created_at),
            expires_at: issued.key.expires_at.map(timestamp),
        }
    }
}

/// A client provisioned whole: `raw_api_key` is shown this once.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProvisionedView {
    tenant_id: String,
    tenant_name: String,
    #[schema(value_type = TierName, example = "pro")]
    tier: &'static str,
    #[schema(required = true, value_type = Option<ProductTypeName>, example = "kasino")]
    product_type: Option<&'static str>,
    api_key_id: String,
    api_key_prefix: String,
    raw_api_key: String,
    /// The names of the agents cloned from the product type's templates.
    agents_created: Vec<String>,
}

impl From<&ProvisionedClient> for ProvisionedView {
    fn from(client: &ProvisionedClient) -> Self {
        ProvisionedView {
            tenant_id: client.tenant.id.to_string(),
            tenant_name: client.tenant.name.to_string(),
            tier: client.tenant.tier.as_str(),
            product_type: client.tenant.product_type.map(|p| p.as_str()),
            api_key_id: client.key.id.to_string(),
            api_key_prefix: client.key.prefix.clone(),
            raw_api_key: client.raw_key.expose().to_owned(),
            agents_created: client.agents.iter().map(|a| a.name.to_string()).collect(),
        }
    }
}
