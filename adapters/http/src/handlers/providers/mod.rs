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

use ares_domain::{Credential, InvalidProvider, ModelSpec, NetworkSeconds};
use serde::{Deserialize, Deserializer};

use crate::ApiError;

/// A provider as the API takes it: every field optional here, the handlers say which ones they require.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderBody {
    #[serde(alias = "name")]
    id: Option<String>,
    #[serde(rename = "type", alias = "kind", alias = "provider_type")]
    kind: Option<String>,
    #[serde(alias = "api_base")]
    base_url: Option<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    models: Option<Vec<ModelBody>>,
    limits: Option<LimitsBody>,
    network: Option<NetworkSeconds>,
    enabled: Option<bool>,
}

/// `{"id": upstream id, "name": what clients say, ...}`, as `[[providers.models]]` in the config file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelBody {
    id: String,
    name: Option<String>,
    context_length: Option<u32>,
    supports_tools: Option<bool>,
    tier: Option<String>,
    #[serde(default)]
    fallbacks: Vec<String>,
}

/// A limit given as a number, or `null` to remove it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsBody {
    #[serde(default, deserialize_with = "given")]
    requests_per_day: Option<Option<u64>>,
    #[serde(default, deserialize_with = "given")]
    tokens_per_minute: Option<Option<u64>>,
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
                        ModelSpec::configured(
                            m.id,
                            m.name,
                            m.context_length,
                            m.supports_tools,
                            m.tier.as_deref(),
                            m.fallbacks,
                        )
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
