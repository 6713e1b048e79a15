//! Start-up checks of the settings: a bad file is reported with its line and key, a missing or weak secret by
//! name, and providers, models and templates are checked and turned into domain values.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use ares_domain::{
    AgentConfig, AgentName, AgentTemplate, AgentType, Credential, InvalidProvider, ModelPrice, ModelSpec, ModelTier,
    NetworkConfig, ProductType, Provider, ProviderKind, ProviderLimits, ProviderName, ProviderSource,
};
use chrono::{DateTime, Utc};

use super::{ProviderSettings, Settings};

const MIN_JWT_SECRET_LEN: usize = 32;

/// Why the server cannot start: one line, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupError(String);

impl StartupError {
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        // One line, always: multi-line causes (TOML snippets, driver errors) are folded.
        let message: String = message.into();
        Self(message.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartupError {}

/// Parses the file on its own first, so a bad value is reported with its line and dotted key.
pub(super) fn check_file(path: &Path) -> Result<(), StartupError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|err| StartupError::new(format!("cannot read config file {shown}: {err}")))?;
    let deserializer = toml::Deserializer::parse(&text)
        .map_err(|err| StartupError::new(format!("invalid config file {shown}: {}", located(&text, &err))))?;
    serde_path_to_error::deserialize::<_, Settings>(deserializer).map(|_| ()).map_err(|err| {
        let key = err.path().to_string();
        let inner = err.into_inner();
        StartupError::new(format!("invalid config file {shown}: {}, key `{key}`", located(&text, &inner)))
    })
}

/// `line L, column C: message` for a TOML error that knows where it is.
fn located(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim_end_matches('\n');
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_owned(),
    }
}

/// The environment variable that holds the key provider API keys are sealed with.
pub const ENCRYPTION_KEY: &str = "ARES_ENCRYPTION_KEY";

impl Settings {
    pub(super) fn validated(self) -> Result<Settings, StartupError> {
        self.check_secrets()?;
        self.encryption_key()?;
        self.check_limits()?;
        ares_store::Backend::of_url(self.database.url())
            .map_err(|err| StartupError::new(format!("invalid database url: {err}")))?;
        self.configured_providers(Utc::now())?;
        self.agent_templates()?;
        self.tools.checked(&self.environment.0)?;
        self.mcp_servers()?;
        self.alerts.checked()?;
        Ok(self)
    }

    /// The configured MCP servers, by name, with how to reach each.
    ///
    /// # Errors
    /// A server named twice, or one that is badly described.
    pub fn mcp_servers(&self) -> Result<Vec<(String, ares_tools::McpTransport)>, StartupError> {
        let mut names = HashSet::new();
        self.mcp_servers
            .iter()
            .map(|server| {
                if !names.insert(server.name.as_str()) {
                    return Err(StartupError::new(format!("mcp server '{}' is configured twice", server.name)));
                }
                Ok((server.name.clone(), server.transport(&self.environment.0)?))
            })
            .collect()
    }

    /// The key provider API keys are sealed with at rest: `ARES_ENCRYPTION_KEY`, 32 bytes in base64, if set.
    ///
    /// # Errors
    /// When it is set but not 32 bytes of base64.
    pub fn encryption_key(&self) -> Result<Option<ares_store::Cipher>, StartupError> {
        self.cipher_in(ENCRYPTION_KEY)
    }

    /// The key in the environment variable `variable`, if set.
    ///
    /// # Errors
    /// When it is set but not 32 bytes of base64.
    pub fn cipher_in(&self, variable: &str) -> Result<Option<ares_store::Cipher>, StartupError> {
        match self.environment.0.get(variable).filter(|value| !value.trim().is_empty()) {
            None => Ok(None),
            Some(encoded) => ares_store::Cipher::from_base64(encoded)
                .map(Some)
                .map_err(|err| StartupError::new(format!("{variable}: {err}"))),
        }
    }

    fn check_secrets(&self) -> Result<(), StartupError> {
        match &self.auth.jwt_secret {
            None => return Err(StartupError::new("JWT_SECRET must be set (at least 32 characters)")),
            Some(secret) if secret.expose().chars().count() < MIN_JWT_SECRET_LEN => {
                return Err(StartupError::new("JWT_SECRET must be at least 32 characters"));
            }
            Some(_) => {}
        }
        match &self.auth.admin_secret {
            Some(secret) if !secret.expose().trim().is_empty() => Ok(()),
            _ => Err(StartupError::new("API_KEY (the admin secret for /api/admin/*) must be set")),
        }
    }

    fn check_limits(&self) -> Result<(), StartupError> {
        if self.server.max_body_bytes == 0 {
            return Err(StartupError::new("server.max_body_bytes must be at least 1"));
        }
        if self.database.max_connections == 0 {
            return Err(StartupError::new("database.max_connections must be at least 1"));
        }
        if !(10..=31_536_000).contains(&self.metering.reservation_ttl_seconds) {
            return Err(StartupError::new("metering.reservation_ttl_seconds must be between 10 and 31536000"));
        }
        for (tier, quota) in [
            ("free", &self.tiers.free),
            ("dev", &self.tiers.dev),
            ("pro", &self.tiers.pro),
            ("enterprise", &self.tiers.enterprise),
        ] {
            if quota.monthly_cost_usd.is_some_and(|usd| ares_domain::usage::nanos(usd).is_none()) {
                return Err(StartupError::new(format!("tiers.{tier}.monthly_cost_usd must be a non-negative amount")));
            }
        }
        if self.api_keys.max_live_per_tenant == 0 {
            return Err(StartupError::new("api_keys.max_live_per_tenant must be at least 1"));
        }
        self.server.body_timeout.duration("server.body_timeout")?;
        Ok(())
    }

    /// The configured providers as the router knows them, with their models, nested and top-level, checked:
    /// unique provider names, known types and tiers, models naming a configured provider, each model name once.
    ///
    /// # Errors
    /// The first provider or model that breaks a rule, named.
    pub fn configured_providers(&self, now: DateTime<Utc>) -> Result<Vec<Provider>, StartupError> {
        let mut providers = Vec::with_capacity(self.providers.len());
        for settings in &self.providers {
            if providers.iter().any(|p: &Provider| p.name.as_ref() == settings.name) {
                return Err(StartupError::new(format!("provider '{}' is configured twice", settings.name)));
            }
            providers.push(provider(settings, now)?);
        }
        for model in &self.models {
            let Some(provider) = providers.iter_mut().find(|p| p.name.as_ref() == model.provider) else {
                return Err(StartupError::new(format!(
                    "model '{}' names unknown provider '{}'",
                    model.name, model.provider
                )));
            };
            let id = model.model_id.clone().unwrap_or_else(|| model.name.clone());
            let spec = ModelSpec::configured(
                id,
                Some(model.name.clone()),
                model.context_length,
                model.supports_tools,
                model.tier.as_deref(),
                model.fallbacks.clone(),
            )
            .and_then(|spec| Ok(spec.priced(price(model.input_price_per_mtok, model.output_price_per_mtok)?)));
            provider.models.push(spec.map_err(|err| model_error(&model.name, &err))?);
        }
        let mut names = HashSet::new();
        for model in providers.iter().flat_map(|p| &p.models) {
            if !names.insert(model.name.as_str()) {
                return Err(StartupError::new(format!("model '{}' is configured twice", model.name)));
            }
        }
        providers
            .into_iter()
            .map(|p| {
                let name = p.name.to_string();
                p.validated().map_err(|err| StartupError::new(format!("provider '{name}': {err}")))
            })
            .collect()
    }

    /// The `[[templates]]` as domain templates.
    ///
    /// # Errors
    /// The first template with an invalid name, product type, agent type or config, named.
    pub fn agent_templates(&self) -> Result<Vec<AgentTemplate>, StartupError> {
        let mut names = HashSet::new();
        self.templates
            .iter()
            .map(|t| {
                let fail = |err: &dyn fmt::Display| StartupError::new(format!("template '{}': {err}", t.name));
                if !names.insert(t.name.as_str()) {
                    return Err(fail(&"configured twice"));
                }
                Ok(AgentTemplate {
                    name: AgentName::parse(&t.name).map_err(|e| fail(&e))?,
                    product_type: t.product_type.parse::<ProductType>().map_err(|e| fail(&e))?,
                    agent_type: AgentType::parse(&t.agent_type).map_err(|e| fail(&e))?,
                    config: AgentConfig::from_json(t.config.clone()).map_err(|e| fail(&e))?,
                })
            })
            .collect()
    }
}

/// A model's price from its configured US dollars per million tokens (free when not given).
fn price(input: Option<f64>, output: Option<f64>) -> Result<ModelPrice, InvalidProvider> {
    ModelPrice::per_mtok(input.unwrap_or(0.0), output.unwrap_or(0.0))
}

/// One `[[providers]]` entry with its nested models.
fn provider(settings: &ProviderSettings, now: DateTime<Utc>) -> Result<Provider, StartupError> {
    let fail = |err: &dyn fmt::Display| StartupError::new(format!("provider '{}': {err}", settings.name));
    let kind: ProviderKind = settings.kind.parse().map_err(|_| {
        let kinds: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
        StartupError::new(format!(
            "provider '{}' has unknown type '{}' (use one of: {})",
            settings.name,
            settings.kind,
            kinds.join(", ")
        ))
    })?;
    let models = settings
        .models
        .iter()
        .map(|m| {
            let name = m.name.clone().unwrap_or_else(|| m.id.clone());
            ModelSpec::configured(
                m.id.clone(),
                m.name.clone(),
                m.context_length,
                m.supports_tools,
                m.tier.as_deref(),
                m.fallbacks.clone(),
            )
            .and_then(|spec| Ok(spec.priced(price(m.input_price_per_mtok, m.output_price_per_mtok)?)))
            .map_err(|err| model_error(&name, &err))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Provider {
        name: ProviderName::parse(&settings.name).map_err(|e| fail(&e))?,
        kind,
        base_url: settings.base_url.clone(),
        credential: settings.api_key_env.clone().map_or(Credential::None, Credential::Env),
        models,
        limits: ProviderLimits {
            requests_per_day: settings.requests_per_day,
            tokens_per_minute: settings.tokens_per_minute,
        },
        network: settings.network.unwrap_or_default().over(NetworkConfig::default()).map_err(|e| fail(&e))?,
        enabled: settings.enabled.unwrap_or(true),
        source: ProviderSource::Config,
        discovered_models: Vec::new(),
        models_refreshed_at: None,
        created_at: now,
        updated_at: now,
    })
}

fn model_error(name: &str, err: &InvalidProvider) -> StartupError {
    match err {
        InvalidProvider::Tier(tier) => {
            let tiers: Vec<&str> = ModelTier::ALL.iter().map(|t| t.as_str()).collect();
            StartupError::new(format!("model '{name}' has unknown tier '{tier}' (use one of: {})", tiers.join(", ")))
        }
        other => StartupError::new(format!("model '{name}': {other}")),
    }
}
