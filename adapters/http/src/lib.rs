//! ARES inbound HTTP adapter: the actix-web routes, the admin-secret guard, the JSON error contract and the views
//! of the Admin API. Handlers parse requests into domain values and call use cases; nothing else.

mod admin_auth;
mod error;
mod extract;
mod handlers;
mod routes;
mod state;
mod views;

pub use admin_auth::AdminSecret;
pub use error::ApiError;
pub use extract::{json_config, not_found, payload_config, rewrite_empty_errors};
pub use routes::configure;
pub use state::AppState;
