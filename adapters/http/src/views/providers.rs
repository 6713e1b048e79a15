//! The JSON shapes of providers and models in the Admin API. A provider's API key never appears: only the name
//! of the variable that holds it, or whether one is stored.

use ares_application::usecases::{ModelStatus, ProviderDetails, ProviderStatus};
use ares_domain::routing::BreakerState;
use ares_domain::{Credential, ModelSpec, NetworkConfig, ProviderSource};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ModelTierName, ProviderKindName, timestamp};

/// A model as a provider serves it: `id` is the upstream's id, `name` what clients say.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProviderModelView {
    id: String,
    name: String,
    #[schema(required = true)]
    context_length: Option<u32>,
    supports_tools: bool,
    #[schema(required = true, value_type = Option<ModelTierName>)]
    tier: Option<&'static str>,
    fallbacks: Vec<String>,
    /// US dollars per million prompt tokens.
    input_price_per_mtok: f64,
    /// US dollars per million completion tokens.
    output_price_per_mtok: f64,
}

impl From<&ModelSpec> for ProviderModelView {
    fn from(model: &ModelSpec) -> Self {
        ProviderModelView {
            id: model.upstream_id.clone(),
            name: model.name.clone(),
            context_length: model.context_length,
            supports_tools: model.supports_tools,
            tier: model.tier.map(|t| t.as_str()),
            fallbacks: model.fallbacks.clone(),
            input_price_per_mtok: model.price.input_per_mtok(),
            output_price_per_mtok: model.price.output_per_mtok(),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct ProviderNetworkView {
    connect_timeout_seconds: f64,
    request_timeout_seconds: f64,
    max_retries: u32,
    max_idle_connections_per_host: usize,
    idle_keep_alive_timeout_seconds: f64,
}

impl From<&NetworkConfig> for ProviderNetworkView {
    fn from(network: &NetworkConfig) -> Self {
        ProviderNetworkView {
            connect_timeout_seconds: network.connect_timeout.as_secs_f64(),
            request_timeout_seconds: network.request_timeout.as_secs_f64(),
            max_retries: network.max_retries,
            max_idle_connections_per_host: network.max_idle_per_host,
            idle_keep_alive_timeout_seconds: network.idle_timeout.as_secs_f64(),
        }
    }
}

/// What the router knows: the circuit and its cause, and the use of the provider's own limits.
#[derive(Serialize, ToSchema)]
struct ProviderHealthView {
    circuit: &'static str,
    #[schema(required = true, format = DateTime)]
    open_until: Option<String>,
    consecutive_failures: u32,
    #[schema(required = true)]
    last_error: Option<String>,
    #[schema(required = true, format = DateTime)]
    last_error_at: Option<String>,
    requests_today: u64,
    tokens_this_minute: u64,
}

impl From<&ProviderStatus> for ProviderHealthView {
    fn from(status: &ProviderStatus) -> Self {
        let open_until = match status.circuit {
            BreakerState::Open { until } => Some(timestamp(until)),
            _ => None,
        };
        ProviderHealthView {
            circuit: status.circuit.as_str(),
            open_until,
            consecutive_failures: status.consecutive_failures,
            last_error: status.last_error.as_ref().map(|(error, _)| error.clone()),
            last_error_at: status.last_error.as_ref().map(|(_, at)| timestamp(*at)),
            requests_today: status.requests_today,
            tokens_this_minute: status.tokens_this_minute,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct ProviderLimitsView {
    #[schema(required = true)]
    requests_per_day: Option<u64>,
    #[schema(required = true)]
    tokens_per_minute: Option<u64>,
}

/// A provider with its live state.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProviderView {
    id: String,
    #[serde(rename = "type")]
    #[schema(value_type = ProviderKindName)]
    kind: &'static str,
    #[schema(required = true)]
    base_url: Option<String>,
    #[schema(required = true)]
    api_key_env: Option<String>,
    api_key_stored: bool,
    source: &'static str,
    read_only: bool,
    enabled: bool,
    available: bool,
    #[schema(required = true)]
    unavailable_reason: Option<String>,
    #[schema(required = true)]
    health: Option<ProviderHealthView>,
    limits: ProviderLimitsView,
    network: ProviderNetworkView,
    models: Vec<ProviderModelView>,
    discovered_models: Vec<String>,
    #[schema(required = true, format = DateTime)]
    models_refreshed_at: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&ProviderDetails> for ProviderView {
    fn from(details: &ProviderDetails) -> Self {
        let provider = &details.provider;
        let status = details.status.as_ref();
        ProviderView {
            id: provider.name.to_string(),
            kind: provider.kind.as_str(),
            base_url: provider.effective_base_url().map(str::to_owned),
            api_key_env: match &provider.credential {
                Credential::Env(variable) => Some(variable.clone()),
                _ => None,
            },
            api_key_stored: matches!(provider.credential, Credential::Stored(_)),
            source: provider.source.as_str(),
            read_only: provider.source == ProviderSource::Config,
            enabled: provider.enabled,
            available: status.is_some_and(|s| s.available),
            unavailable_reason: status.map_or_else(|| Some("not loaded yet".to_owned()), |s| s.reason.clone()),
            health: status.map(ProviderHealthView::from),
            limits: ProviderLimitsView {
                requests_per_day: provider.limits.requests_per_day,
                tokens_per_minute: provider.limits.tokens_per_minute,
            },
            network: ProviderNetworkView::from(&provider.network),
            models: provider.models.iter().map(ProviderModelView::from).collect(),
            discovered_models: provider.discovered_models.clone(),
            models_refreshed_at: provider.models_refreshed_at.map(timestamp),
            created_at: timestamp(provider.created_at),
            updated_at: timestamp(provider.updated_at),
        }
    }
}

/// A model in the platform-wide list: `id` is the name clients and agents use.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelListItem {
    id: String,
    provider: String,
    upstream_id: String,
    #[schema(required = true)]
    context_length: Option<u32>,
    supports_tools: bool,
    #[schema(required = true, value_type = Option<ModelTierName>)]
    tier: Option<&'static str>,
    fallbacks: Vec<String>,
    available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl From<&ModelStatus> for ModelListItem {
    fn from(status: &ModelStatus) -> Self {
        let model = &status.model;
        ModelListItem {
            id: model.name.clone(),
            provider: status.provider.to_string(),
            upstream_id: model.upstream_id.clone(),
            context_length: model.context_length,
            supports_tools: model.supports_tools,
            tier: model.tier.map(|t| t.as_str()),
            fallbacks: model.fallbacks.clone(),
            available: status.available,
            reason: status.reason.clone(),
        }
    }
}
