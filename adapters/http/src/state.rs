//! What every handler can reach: the use cases, the model router, the store probe and the admin secret.

use std::sync::Arc;

use ares_application::ports::StoreProbe;
use ares_application::usecases::{Agents, ApiKeys, ModelRouter, Providers, Provisioning, Templates, Tenants};

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
    pub store: Arc<dyn StoreProbe>,
    pub admin_secret: AdminSecret,
    pub version: &'static str,
}
