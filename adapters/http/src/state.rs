//! What handlers reach, grouped per feature: each handler takes the one group it belongs to. Bootstrap builds
//! every group once and registers each as app data; the next feature adds a group, not fields to a list.

use std::sync::Arc;

use ares_application::ports::StoreProbe;
use ares_application::usecases::{
    Accounts, AgentRunner, Agents, Alerts, Analytics, ApiKeys, AuditTrail, Authenticator, ChatService, MeteredPath,
    Metering, ModelRouter, Providers, Provisioning, Reports, Templates, Tenants, Users,
};

/// The operators' tenant administration (`/api/admin/tenants`, provisioning, keys, agents, templates).
pub struct AdminApi {
    pub tenants: Tenants,
    pub provisioning: Provisioning,
    pub api_keys: ApiKeys,
    pub agents: Agents,
    pub templates: Templates,
    pub users: Users,
}

/// End users' API (`/api/*` outside `/api/admin`): accounts and sessions.
pub struct UserApi {
    pub accounts: Arc<Accounts>,
}

/// The operators' view of the platform (`/api/admin/stats`, usage, runs, alerts, the audit log).
pub struct InsightApi {
    pub reports: Reports,
    pub alerts: Alerts,
    pub audit: AuditTrail,
    pub analytics: Analytics,
}

/// The operators' provider and model administration (`/api/admin/providers`, `/api/admin/models`).
pub struct ProviderApi {
    pub providers: Providers,
    pub router: Arc<ModelRouter>,
}

/// The client API (`/v1/*`): authentication, the metered path, and what clients call through it.
pub struct ClientApi {
    pub auth: Arc<Authenticator>,
    pub meter: MeteredPath,
    pub metering: Arc<Metering>,
    pub agents: Agents,
    pub api_keys: ApiKeys,
    pub runner: AgentRunner,
    pub chat: ChatService,
}

/// What `GET /health` reports.
pub struct Health {
    pub store: Arc<dyn StoreProbe>,
    pub version: &'static str,
}
