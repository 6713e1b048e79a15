//! What handlers reach, grouped per feature: each handler takes the one group it belongs to. Bootstrap builds
//! every group once and registers each as app data; the next feature adds a group, not fields to a list.

use std::sync::Arc;

use ares_application::ports::StoreProbe;
use ares_application::usecases::{
    Accounts, AgentRunner, Agents, Alerts, Analytics, ApiKeys, AuditTrail, Authenticator, ChatService, Conversations,
    MeteredPath, Metering, ModelRouter, PlatformAgents, Providers, Provisioning, Reports, Templates, Tenants,
    UserAgents, Users,
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

/// End users' API (`/api/*` outside `/api/admin`): accounts and sessions, chat through the metered path shared
/// with the client API, conversations and memory, the platform's agents and the user's own.
pub struct UserApi {
    pub accounts: Arc<Accounts>,
    pub meter: Arc<MeteredPath>,
    pub chat: Arc<ChatService>,
    pub conversations: Conversations,
    pub platform: Arc<PlatformAgents>,
    pub user_agents: UserAgents,
    /// Whether sign-in throttling takes the client's address from `X-Forwarded-For` (`[rate_limit]`).
    pub trust_forwarded_for: bool,
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
    pub meter: Arc<MeteredPath>,
    pub metering: Arc<Metering>,
    pub agents: Agents,
    pub api_keys: ApiKeys,
    pub runner: AgentRunner,
    pub chat: Arc<ChatService>,
}

/// What `GET /health` reports.
pub struct Health {
    pub store: Arc<dyn StoreProbe>,
    pub version: &'static str,
}
