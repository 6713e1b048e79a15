//! ARES inbound HTTP adapter: the actix-web routes, the admin-secret guard, API-key authentication and metering of
//! the client API, the per-IP rate limit, the JSON error contract and the response views. Handlers parse requests
//! into domain values and call use cases; nothing else.

mod admin_auth;
mod body_timeout;
mod client_auth;
mod edge_errors;
mod error;
mod extract;
mod handlers;
mod ip_limit;
mod metered;
mod metrics;
mod openai_errors;
mod openapi;
mod routes;
mod session_auth;
mod state;
mod views;

pub use admin_auth::AdminSecret;
pub use body_timeout::{BodyTimeout, bound_body};
pub use edge_errors::JsonErrors;
pub use error::ApiError;
pub use extract::{json_config, not_found, payload_config, query_config, rewrite_empty_errors};
pub use handlers::metrics::prometheus::expose as expose_metrics;
pub use ip_limit::{IpLimiter, limit_by_ip};
pub use metrics::{GaugeSamples, Metrics, observe_requests};
pub use routes::configure;
pub use state::{AdminApi, ClientApi, Health, InsightApi, ProviderApi, UserApi};
