//! What every handler can reach: the use cases, the model router, the caches to drop after a change, the store
//! probe and the admin secret.

use std::sync::Arc;

use ares_application::ports::StoreProbe;
use ares_application::usecases::{
    AgentDirectory, AgentRunner, Agents, ApiKeys, Authenticator, ChatService, Metering, ModelRouter, Providers,
    Provisioning, Templates, Tenants,
};

use crate::AdminSecret;

/// Shared, read-only application state, built once by bootstrap.
pub struct AppState {
    pub tenants: Tenants,
    pub provisioning: Provisioning,
    pub api_keys: ApiKeys,
    pub agents: Agents,
    pub templates: Templates,
    pub providers: Providers,
    pub router: Arc<ModelRouter>,
    pub auth: Arc<Authenticator>,
    pub metering: Metering,
    pub directory: Arc<AgentDirectory>,
    pub runner: AgentRunner,
    pub chat: ChatService,
    pub store: Arc<dyn StoreProbe>,
    pub admin_secret: AdminSecret,
    pub version: &'static str,
}
