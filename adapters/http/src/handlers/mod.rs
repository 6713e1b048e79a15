//! One module per endpoint, grouped by resource.

pub(crate) mod agents;
pub(crate) mod api_keys;
pub(crate) mod docs;
pub(crate) mod health;
pub(crate) mod models;
pub(crate) mod providers;
pub(crate) mod provision;
pub(crate) mod templates;
pub(crate) mod tenants;
pub(crate) mod v1;
