//! `/api/admin/providers`: providers managed at runtime, in the peer gateway's style. Bodies take the spellings of
//! the config file too (`id` or `name`, `type` or `kind`, `base_url` or `api_base`); a provider's API key is
//! accepted but never returned.

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod disable;
pub(crate) mod enable;
pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod refresh_models;
pub(crate) mod update;

use ares_domain::{Credential, InvalidProvider, ModelPrice, ModelSpec, NetworkSeconds};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::ApiError;
use crate::views::{ModelTierName, ProviderKindName};

/// A provider as the API takes it: `id` and `type` are required to create one; to update one, the fields given
/// replace the stored ones.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderBody {
    /// The provider's id (`name` is taken too).
    #[serde(alias = "name")]
    #[schema(example = "groq-backup", pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    id: Option<String>,
    /// `openai` (any OpenAI-compatible server: Groq, NVIDIA, vLLM, ...), `anthropic`, `ollama` or `mock` (`kind`
    /// and `provider_type` are taken too).
    #[serde(rename = "type", alias = "kind", alias = "provider_type")]
    #[schema(value_type = Option<ProviderKindName>, example = "openai")]
    kind: Option<String>,
    /// The upstream's base URL (`api_base` is taken too).
    #[serde(alias = "api_base")]
    #[schema(example = "http://127.0.0.1:11434/v1", pattern = r"^https?://\S*$")]
    base_url: Option<String>,
    /// The upstream's API key, stored sealed and never shown again.
    api_key: Option<String>,
    /// The environment variable holding the upstream's API key.
    #[schema(example = "GROQ_API_KEY", pattern = "^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    api_key_env: Option<String>,
    models: Option<Vec<ModelBody>>,
    limits: Option<LimitsBody>,
    /// `connect_timeout_seconds`, `request_timeout_seconds`, `max_retries`, `max_idle_connections_per_host`,
    /// `idle_keep_alive_timeout_seconds`; each one left out keeps its value.
    #[schema(value_type = Option<NetworkBody>)]
    network: Option<NetworkSeconds>,
    enabled: Option<bool>,
}

/// `{"id": upstream id, "name": what clients say, ...}`, as `[[providers.models]]` in the config file.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ModelBody {
    /// The upstream's id of the model.
    #[schema(pattern = r"^\S{1,128}$", example = "llama-3.3-70b-versatile")]
    id: String,
    /// What clients and agents call it; the upstream id when not given.
    #[schema(pattern = r"^\S{1,128}$", example = "llama-3.3-70b")]
    name: Option<String>,
    context_length: Option<u32>,
    supports_tools: Option<bool>,
    #[schema(value_type = Option<ModelTierName>)]
    tier: Option<String>,
    #[serde(default)]
    fallbacks: Vec<String>,
    /// US dollars per million prompt tokens (0 when not given): each request's cost is recorded at this price.
    #[schema(minimum = 0.0, maximum = 1_000_000.0, example = 0.59)]
    input_price_per_mtok: Option<f64>,
    /// US dollars per million completion tokens (0 when not given).
    #[schema(minimum = 0.0, maximum = 1_000_000.0, example = 0.79)]
    output_price_per_mtok: Option<f64>,
}

/// A limit given as a number, or `null` to remove it.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct LimitsBody {
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<u64>)]
    requests_per_day: Option<Option<u64>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<u64>)]
    tokens_per_minute: Option<Option<u64>>,
}

/// The network settings a body may give: the schema of the domain's `NetworkSeconds`, which is read directly.
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema only: the body is read as the domain's NetworkSeconds")]
pub(crate) struct NetworkBody {
    #[schema(exclusive_minimum = 0.0)]
    connect_timeout_seconds: Option<f64>,
    #[schema(exclusive_minimum = 0.0)]
    request_timeout_seconds: Option<f64>,
    max_retries: Option<u32>,
    max_idle_connections_per_host: Option<usize>,
    #[schema(exclusive_minimum = 0.0)]
    idle_keep_alive_timeout_seconds: Option<f64>,
}

/// Tells a key given as `null` (`Some(None)`) from a key left out (`None`).
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

fn missing(field: &str) -> ApiError {
    ApiError::BadRequest(format!("Missing required field: {field}"))
}

impl ProviderBody {
    /// The credential the body gives, if it gives one.
    fn credential(&self) -> Result<Option<Credential>, ApiError> {
        match (&self.api_key, &self.api_key_env) {
            (Some(_), Some(_)) => Err(ApiError::Unprocessable("Give either api_key or api_key_env, not both".into())),
            (Some(key), None) => Ok(Some(Credential::stored(key)?)),
            (None, Some(variable)) => Ok(Some(Credential::env(variable)?)),
            (None, None) => Ok(None),
        }
    }

    fn models(&mut self) -> Result<Option<Vec<ModelSpec>>, InvalidProvider> {
        self.models
            .take()
            .map(|models| {
                models
                    .into_iter()
                    .map(|m| {
                        let price = ModelPrice::per_mtok(
                            m.input_price_per_mtok.unwrap_or(0.0),
                            m.output_price_per_mtok.unwrap_or(0.0),
                        )?;
                        let spec = ModelSpec::configured(
                            m.id,
                            m.name,
                            m.context_length,
                            m.supports_tools,
                            m.tier.as_deref(),
                            m.fallbacks,
                        )?;
                        Ok(spec.priced(price))
                    })
                    .collect()
            })
            .transpose()
    }

    fn limits(&mut self) -> (Option<Option<u64>>, Option<Option<u64>>) {
        let limits = self.limits.take().unwrap_or_default();
        (limits.requests_per_day, limits.tokens_per_minute)
    }
}
