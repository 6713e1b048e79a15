//! Builds the client of a provider from its definition: the adapter of its kind, one pooled HTTP client per
//! provider, and its API key from the environment variable it names or from the store.

use std::collections::HashMap;
use std::sync::Arc;

use ares_application::ports::{ChatModel, ProviderConnector};
use ares_domain::{Credential, Provider, ProviderKind, ProviderSecret};

use crate::{Anthropic, Endpoint, MockProvider, Ollama, OpenAi};

/// The connector of every provider kind. It reads API keys from a snapshot of the environment taken at start-up.
pub struct Connector {
    env: HashMap<String, ProviderSecret>,
}

impl Connector {
    /// A connector reading provider keys from `env`.
    #[must_use]
    pub fn new(env: &HashMap<String, String>) -> Self {
        let env = env.iter().map(|(name, value)| (name.clone(), ProviderSecret::new(value.clone()))).collect();
        Connector { env }
    }

    fn api_key(&self, credential: &Credential) -> Result<Option<ProviderSecret>, String> {
        match credential {
            Credential::None => Ok(None),
            Credential::Stored(secret) => Ok(Some(secret.clone())),
            Credential::Env(variable) => match self.env.get(variable) {
                Some(secret) if !secret.expose().trim().is_empty() => Ok(Some(secret.clone())),
                _ => Err(format!("{variable} is not set")),
            },
        }
    }
}

impl ProviderConnector for Connector {
    fn connect(&self, provider: &Provider) -> Result<Arc<dyn ChatModel>, String> {
        if provider.kind == ProviderKind::Mock {
            return Ok(Arc::new(MockProvider));
        }
        let api_key = self.api_key(&provider.credential)?;
        let base_url = provider.effective_base_url().ok_or_else(|| "no base_url is configured".to_owned())?;
        let endpoint = Endpoint::new(base_url, api_key, provider.network).map_err(|err| err.to_string())?;
        Ok(match provider.kind {
            ProviderKind::OpenAi => Arc::new(OpenAi::new(endpoint)),
            ProviderKind::Anthropic => Arc::new(Anthropic::new(endpoint)),
            ProviderKind::Ollama => Arc::new(Ollama::new(endpoint)),
            ProviderKind::Mock => Arc::new(MockProvider),
        })
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{NetworkConfig, ProviderLimits, ProviderName, ProviderSource};
    use chrono::Utc;

    use super::*;

    fn provider(kind: ProviderKind, credential: Credential) -> Provider {
        Provider {
            name: ProviderName::parse("p").unwrap(),
            kind,
            base_url: None,
            credential,
            models: vec![],
            limits: ProviderLimits::default(),
            network: NetworkConfig::default(),
            enabled: true,
            source: ProviderSource::Config,
            discovered_models: vec![],
            models_refreshed_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_provider_whose_key_variable_is_unset_or_empty_cannot_connect() {
        let connector = Connector::new(&HashMap::from([("EMPTY".to_owned(), " ".to_owned())]));
        let unset = connector.connect(&provider(ProviderKind::OpenAi, Credential::Env("GROQ_API_KEY".into())));
        assert_eq!(unset.err(), Some("GROQ_API_KEY is not set".to_owned()));
        let empty = connector.connect(&provider(ProviderKind::Anthropic, Credential::Env("EMPTY".into())));
        assert_eq!(empty.err(), Some("EMPTY is not set".to_owned()));
    }

    #[test]
    fn keys_from_the_environment_or_the_store_and_keyless_kinds_connect() {
        let connector = Connector::new(&HashMap::from([("GROQ_API_KEY".to_owned(), "gsk".to_owned())]));
        assert!(connector.connect(&provider(ProviderKind::OpenAi, Credential::Env("GROQ_API_KEY".into()))).is_ok());
        let stored = Credential::Stored(ProviderSecret::new("sk"));
        assert!(connector.connect(&provider(ProviderKind::Anthropic, stored)).is_ok());
        assert!(connector.connect(&provider(ProviderKind::Ollama, Credential::None)).is_ok());
        assert!(connector.connect(&provider(ProviderKind::Mock, Credential::None)).is_ok());
    }
}
