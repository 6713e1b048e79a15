//! Start-up checks of the settings: a bad file is reported with its line and key, a missing or weak secret by
//! name, and providers, models and templates are checked against each other.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use ares_domain::{AgentConfig, AgentName, AgentTemplate, AgentType, ProductType};

use super::{ProviderSettings, Settings};

const MIN_JWT_SECRET_LEN: usize = 32;
const PROVIDER_KINDS: [&str; 4] = ["openai", "anthropic", "ollama", "mock"];
const MODEL_TIERS: [&str; 5] = ["fast", "balanced", "powerful", "deepseek", "local"];

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

/// One model clients and agents can name, whichever spelling configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntry {
    /// The id clients and agents use.
    pub name: String,
    pub provider: String,
    /// The upstream's own model id.
    pub upstream_id: String,
    pub context_length: Option<u32>,
    pub supports_tools: bool,
    pub tier: Option<String>,
    pub fallbacks: Vec<String>,
}

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

impl Settings {
    pub(super) fn validated(self) -> Result<Settings, StartupError> {
        self.check_secrets()?;
        self.check_limits()?;
        ares_store::Backend::of_url(self.database.url())
            .map_err(|err| StartupError::new(format!("invalid database url: {err}")))?;
        self.check_providers()?;
        self.model_entries()?;
        self.agent_templates()?;
        Ok(self)
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
        Ok(())
    }

    fn check_providers(&self) -> Result<(), StartupError> {
        let mut seen = HashSet::new();
        for provider in &self.providers {
            if !seen.insert(provider.name.as_str()) {
                return Err(StartupError::new(format!("provider '{}' is configured twice", provider.name)));
            }
            if !PROVIDER_KINDS.contains(&provider.kind.as_str()) {
                return Err(StartupError::new(format!(
                    "provider '{}' has unknown type '{}' (use one of: {})",
                    provider.name,
                    provider.kind,
                    PROVIDER_KINDS.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Every configured model, nested and top-level, checked: known provider, known tier, unique name.
    ///
    /// # Errors
    /// The first model that breaks a rule.
    pub fn model_entries(&self) -> Result<Vec<ModelEntry>, StartupError> {
        let nested = self.providers.iter().flat_map(|p| p.models.iter().map(move |m| nested_entry(p, m)));
        let top = self.models.iter().map(|m| ModelEntry {
            name: m.name.clone(),
            provider: m.provider.clone(),
            upstream_id: m.model_id.clone().unwrap_or_else(|| m.name.clone()),
            context_length: m.context_length,
            supports_tools: m.supports_tools.unwrap_or(true),
            tier: m.tier.clone(),
            fallbacks: m.fallbacks.clone(),
        });
        let entries: Vec<ModelEntry> = nested.chain(top).collect();
        let mut names = HashSet::new();
        for entry in &entries {
            check_model(self, entry, &mut names)?;
        }
        Ok(entries)
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

fn nested_entry(provider: &ProviderSettings, model: &super::NestedModelSettings) -> ModelEntry {
    ModelEntry {
        name: model.name.clone().unwrap_or_else(|| model.id.clone()),
        provider: provider.name.clone(),
        upstream_id: model.id.clone(),
        context_length: model.context_length,
        supports_tools: model.supports_tools.unwrap_or(true),
        tier: model.tier.clone(),
        fallbacks: model.fallbacks.clone(),
    }
}

fn check_model<'a>(
    settings: &Settings,
    entry: &'a ModelEntry,
    names: &mut HashSet<&'a str>,
) -> Result<(), StartupError> {
    if !settings.providers.iter().any(|p| p.name == entry.provider) {
        return Err(StartupError::new(format!("model '{}' names unknown provider '{}'", entry.name, entry.provider)));
    }
    if let Some(tier) = entry.tier.as_deref().filter(|t| !MODEL_TIERS.contains(t)) {
        return Err(StartupError::new(format!(
            "model '{}' has unknown tier '{tier}' (use one of: {})",
            entry.name,
            MODEL_TIERS.join(", ")
        )));
    }
    if !names.insert(entry.name.as_str()) {
        return Err(StartupError::new(format!("model '{}' is configured twice", entry.name)));
    }
    Ok(())
}
