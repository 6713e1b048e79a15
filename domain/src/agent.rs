//! Agents and agent templates: a configured LLM endpoint with a model, a system prompt and tools.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{AgentId, MaxTokens, ProductType, TenantId, UserId};

const MAX_NAME_LEN: usize = 64;
const MAX_TYPE_LEN: usize = 64;

/// Why an agent definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAgent {
    #[error("Invalid agent name: '{0}'. Use 1-64 letters, digits, '-', '_' or '.'")]
    Name(String),
    #[error("Invalid agent_type: '{0}'. Use 1-64 letters, digits, '-', '_' or '.'")]
    Type(String),
    /// A config value of the wrong JSON type (a malformed request, not an invalid value).
    #[error("Invalid agent config: {0}")]
    ConfigType(String),
    /// A config value of the right type that is not allowed.
    #[error("Invalid agent config: {0}")]
    Config(String),
}

pub(crate) fn is_identifier(raw: &str, max_len: usize) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    !raw.is_empty() && raw.len() <= max_len && raw.chars().all(allowed)
}

/// A valid agent name, unique within its tenant. Names are case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AgentName(String);

impl AgentName {
    /// Validates `raw` as an agent name.
    ///
    /// # Errors
    /// `InvalidAgent::Name` when `raw` is empty, too long or holds other characters.
    pub fn parse(raw: &str) -> Result<Self, InvalidAgent> {
        if is_identifier(raw, MAX_NAME_LEN) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidAgent::Name(raw.to_owned()))
        }
    }
}

impl AsRef<str> for AgentName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of work an agent does (`classifier`, `analyzer`, ...): a free label, validated like a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AgentType(String);

impl AgentType {
    /// Validates `raw` as an agent type.
    ///
    /// # Errors
    /// `InvalidAgent::Type` when `raw` is empty, too long or holds other characters.
    pub fn parse(raw: &str) -> Result<Self, InvalidAgent> {
        if is_identifier(raw, MAX_TYPE_LEN) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidAgent::Type(raw.to_owned()))
        }
    }
}

impl AsRef<str> for AgentType {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How an agent runs: its model (a model name or a model tier), prompt, tools and generation settings. Keys this
/// type does not know are kept in `extra`, so a newer configuration survives a round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub tools: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Tool-calling rounds before the model must answer (the server's default when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// Whether several tool calls of one round run at the same time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_execution: Option<bool>,
    /// Seconds one tool call may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_timeout: Option<f64>,
    /// The structured prompt of the TOON form: who the agent is, how it speaks, what it knows, what it must not do.
    /// ARES assembles them into the system prompt after `system_prompt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personality: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knowledge: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl AgentConfig {
    /// Builds a config from a JSON object, checking each known field's type. Unknown keys go to `extra`.
    ///
    /// # Errors
    /// `InvalidAgent::Config` naming the field whose value has the wrong type, or when `model` is missing.
    pub fn from_json(object: Map<String, Value>) -> Result<Self, InvalidAgent> {
        const KNOWN: [&str; 12] = [
            "model",
            "role",
            "personality",
            "knowledge",
            "constraints",
            "system_prompt",
            "tools",
            "max_tokens",
            "temperature",
            "max_iterations",
            "parallel_execution",
            "tool_timeout",
        ];
        let (known, extra): (Map<String, Value>, Map<String, Value>) =
            object.into_iter().partition(|(key, _)| KNOWN.contains(&key.as_str()));
        let mut known = known;
        known.insert("extra".into(), Value::Object(extra));
        let config: AgentConfig =
            serde_json::from_value(Value::Object(known)).map_err(|err| InvalidAgent::ConfigType(err.to_string()))?;
        config.validated()
    }

    /// This config with the keys of `patch` replacing its own: the "fields provided will be updated" rule.
    ///
    /// # Errors
    /// `InvalidAgent::Config` when the merged config is not valid.
    pub fn merged(&self, patch: Map<String, Value>) -> Result<Self, InvalidAgent> {
        let mut object = self.to_json();
        object.extend(patch);
        Self::from_json(object)
    }

    /// The config as one flat JSON object, `extra` keys alongside the known ones.
    #[must_use]
    pub fn to_json(&self) -> Map<String, Value> {
        let mut object = match serde_json::to_value(self) {
            Ok(Value::Object(object)) => object,
            _ => Map::new(),
        };
        if let Some(Value::Object(extra)) = object.remove("extra") {
            object.extend(extra);
        }
        object
    }

    /// The system prompt the model is given: `system_prompt`, then the structured fields, when there are any.
    #[must_use]
    pub fn instructions(&self) -> Option<String> {
        let mut parts: Vec<String> = self.system_prompt.iter().map(|p| p.trim().to_owned()).collect();
        if let Some(role) = &self.role {
            parts.push(format!("Role: {role}"));
        }
        if let Some(personality) = &self.personality {
            parts.push(format!("Personality: {personality}"));
        }
        for (heading, items) in [("Knowledge", &self.knowledge), ("Constraints", &self.constraints)] {
            if !items.is_empty() {
                let list: Vec<String> = items.iter().map(|item| format!("- {item}")).collect();
                parts.push(format!("{heading}:\n{}", list.join("\n")));
            }
        }
        parts.retain(|part| !part.is_empty());
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }

    fn validated(self) -> Result<Self, InvalidAgent> {
        if self.model.trim().is_empty() {
            return Err(InvalidAgent::Config("model must not be empty".into()));
        }
        if let Some(t) = self.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(InvalidAgent::Config(format!("temperature must be between 0 and 2, got {t}")));
        }
        if let Some(n) = self.max_tokens.filter(|n| !(1..=MaxTokens::MAX).contains(n)) {
            return Err(InvalidAgent::Config(format!("max_tokens must be between 1 and {}, got {n}", MaxTokens::MAX)));
        }
        if let Some(n) = self.max_iterations.filter(|n| !(1..=50).contains(n)) {
            return Err(InvalidAgent::Config(format!("max_iterations must be between 1 and 50, got {n}")));
        }
        if let Some(t) = self.tool_timeout.filter(|t| !(t.is_finite() && *t > 0.0 && *t <= 600.0)) {
            return Err(InvalidAgent::Config(format!("tool_timeout must be between 0 and 600 seconds, got {t}")));
        }
        Ok(self)
    }
}

/// Whether an agent accepts runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentStatus {
    Active,
    Disabled,
}

impl AgentStatus {
    /// The lowercase name used on the wire and in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Active => "active",
            AgentStatus::Disabled => "disabled",
        }
    }

    /// Parses a stored or submitted status.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(AgentStatus::Active),
            "disabled" => Some(AgentStatus::Disabled),
            _ => None,
        }
    }
}

/// An agent owned by one tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub tenant_id: TenantId,
    pub name: AgentName,
    pub agent_type: AgentType,
    pub config: AgentConfig,
    pub status: AgentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Agent {
    /// A new active agent of `tenant_id`, created at `now`.
    #[must_use]
    pub fn new(
        tenant_id: TenantId,
        name: AgentName,
        agent_type: AgentType,
        config: AgentConfig,
        now: DateTime<Utc>,
    ) -> Self {
        Agent {
            id: AgentId::new(),
            tenant_id,
            name,
            agent_type,
            config,
            status: AgentStatus::Active,
            created_at: now,
            updated_at: now,
        }
    }
}

/// An agent a user made for themselves: private to them, usable as `agent_type` in their chats.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAgent {
    pub user_id: UserId,
    pub name: AgentName,
    pub agent_type: Option<AgentType>,
    pub config: AgentConfig,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An agent of the platform (`[[agents]]` in `ares.toml`): every user and tenant may talk to it by name.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformAgent {
    pub name: AgentName,
    pub description: String,
    pub config: AgentConfig,
}

/// A pre-configured agent cloned into tenants of its product type at provisioning.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentTemplate {
    pub name: AgentName,
    pub product_type: ProductType,
    pub agent_type: AgentType,
    pub config: AgentConfig,
}

impl AgentTemplate {
    /// The tenant's own copy of this template.
    #[must_use]
    pub fn instantiate(&self, tenant_id: TenantId, now: DateTime<Utc>) -> Agent {
        Agent::new(tenant_id, self.name.clone(), self.agent_type.clone(), self.config.clone(), now)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn agent_names_allow_letters_digits_and_separators() {
        assert!(AgentName::parse("Kasino_risk-2.v1").is_ok());
        assert_eq!(AgentName::parse("has space"), Err(InvalidAgent::Name("has space".into())));
        assert!(AgentName::parse("").is_err());
        assert!(AgentName::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn config_keeps_unknown_keys_through_a_round_trip() {
        let raw = object(json!({"model": "fast", "tools": ["calculator"], "max_iterations": 3, "depth": 2}));
        let config = AgentConfig::from_json(raw.clone()).unwrap();
        assert_eq!((&config.tools[..], config.max_iterations), (&["calculator".to_owned()][..], Some(3)));
        assert_eq!(config.extra.get("depth"), Some(&json!(2)));
        assert_eq!(config.to_json(), raw);
    }

    #[test]
    fn config_without_a_model_is_refused() {
        let err = AgentConfig::from_json(object(json!({"tools": []}))).unwrap_err();
        assert!(err.to_string().contains("missing field `model`"), "{err}");
    }

    #[test]
    fn config_with_a_wrongly_typed_field_names_the_problem() {
        let err = AgentConfig::from_json(object(json!({"model": "fast", "tools": "calculator"}))).unwrap_err();
        assert!(err.to_string().starts_with("Invalid agent config: invalid type"), "{err}");
    }

    #[test]
    fn out_of_range_generation_settings_are_refused() {
        assert!(AgentConfig::from_json(object(json!({"model": "m", "temperature": 3.5}))).is_err());
        assert!(AgentConfig::from_json(object(json!({"model": "m", "max_tokens": 0}))).is_err());
        assert!(AgentConfig::from_json(object(json!({"model": "m", "max_tokens": 1_000_001}))).is_err());
        assert!(AgentConfig::from_json(object(json!({"model": "m", "max_tokens": 1_000_000}))).is_ok());
        assert!(AgentConfig::from_json(object(json!({"model": " "}))).is_err());
    }

    #[test]
    fn tool_loop_settings_are_checked() {
        assert!(AgentConfig::from_json(object(json!({"model": "m", "max_iterations": 0}))).is_err());
        assert!(AgentConfig::from_json(object(json!({"model": "m", "tool_timeout": -1}))).is_err());
        assert!(AgentConfig::from_json(object(json!({"model": "m", "parallel_execution": "yes"}))).is_err());
        let config = AgentConfig::from_json(object(json!({"model": "m", "max_iterations": 4}))).unwrap();
        assert_eq!(config.max_iterations, Some(4));
    }

    #[test]
    fn the_structured_fields_are_assembled_into_the_prompt() {
        let config = AgentConfig::from_json(object(json!({
            "model": "m",
            "role": "Customer Support Specialist",
            "personality": "Professional",
            "knowledge": ["pricing plans"],
            "constraints": ["Never make up information", "Escalate billing disputes"],
        })))
        .unwrap();
        let prompt = config.instructions().unwrap();
        assert_eq!(
            prompt,
            "Role: Customer Support Specialist\n\nPersonality: Professional\n\nKnowledge:\n- pricing plans\n\n\
             Constraints:\n- Never make up information\n- Escalate billing disputes"
        );
        let plain = AgentConfig::from_json(object(json!({"model": "m", "system_prompt": "Be brief."}))).unwrap();
        assert_eq!(plain.instructions().as_deref(), Some("Be brief."));
        assert_eq!(AgentConfig::from_json(object(json!({"model": "m"}))).unwrap().instructions(), None);
    }

    #[test]
    fn merging_replaces_only_the_fields_given() {
        let config =
            AgentConfig::from_json(object(json!({"model": "a", "system_prompt": "p", "max_tokens": 5}))).unwrap();
        let merged = config.merged(object(json!({"max_tokens": 9}))).unwrap();
        assert_eq!(merged.model, "a");
        assert_eq!(merged.system_prompt.as_deref(), Some("p"));
        assert_eq!(merged.max_tokens, Some(9));
    }
}
