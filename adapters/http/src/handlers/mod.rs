//! One module per endpoint, grouped by resource.

pub(crate) mod agents;
pub(crate) mod alerts;
pub(crate) mod analytics;
pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod chat;
pub(crate) mod conversations;
pub(crate) mod docs;
pub(crate) mod health;
pub(crate) mod memory;
pub(crate) mod metrics;
pub(crate) mod models;
pub(crate) mod platform_agents;
pub(crate) mod providers;
pub(crate) mod provision;
pub(crate) mod stats;
pub(crate) mod templates;
pub(crate) mod tenants;
pub(crate) mod usage;
pub(crate) mod user_agents;
pub(crate) mod users;
pub(crate) mod v1;
