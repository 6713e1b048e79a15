//! `[[agents]]`: the platform's agents, listed at `GET /api/agents` and spoken to by name by every user and
//! tenant. Either a plain `system_prompt`, or the structured `[agents.toon]` fields (role, personality, knowledge,
//! constraints) that ARES assembles into the prompt; `tools` may sit in either table.

use std::collections::HashSet;

use ares_domain::{AgentConfig, AgentName, PlatformAgent};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Settings, StartupError};

/// One `[[agents]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformAgentSettings {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub model: String,
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub tools: Vec<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub toon: Option<ToonSettings>,
}

/// `[agents.toon]`: the structured prompt.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToonSettings {
    pub role: Option<String>,
    pub personality: Option<String>,
    #[serde(default)]
    pub knowledge: Vec<String>,
    #[serde(default)]
    pub constraints: Vec<String>,
    /// TOML puts the keys after `[agents.toon]` in it, the guide's `tools` included.
    #[serde(default)]
    pub tools: Vec<String>,
}

impl PlatformAgentSettings {
    fn config(&self) -> Map<String, Value> {
        let toon = self.toon.clone().unwrap_or_default();
        let mut tools = self.tools.clone();
        tools.extend(toon.tools.into_iter().filter(|tool| !self.tools.contains(tool)));
        let mut config = json!({"model": self.model, "tools": tools});
        let optional = [
            ("system_prompt", self.system_prompt.clone().map(Value::from)),
            ("max_tokens", self.max_tokens.map(Value::from)),
            ("temperature", self.temperature.map(Value::from)),
            ("role", toon.role.map(Value::from)),
            ("personality", toon.personality.map(Value::from)),
        ];
        for (key, value) in optional.into_iter().filter_map(|(key, value)| Some((key, value?))) {
            config[key] = value;
        }
        for (key, items) in [("knowledge", toon.knowledge), ("constraints", toon.constraints)] {
            if !items.is_empty() {
                config[key] = Value::from(items);
            }
        }
        match config {
            Value::Object(object) => object,
            _ => Map::new(),
        }
    }
}

impl Settings {
    /// The platform's agents, checked: valid names, each once, valid settings.
    ///
    /// # Errors
    /// Names the agent and what is wrong with it.
    pub fn platform_agents(&self) -> Result<Vec<PlatformAgent>, StartupError> {
        let mut names = HashSet::new();
        self.agents
            .iter()
            .map(|agent| {
                let fail = |err: &dyn std::fmt::Display| StartupError::new(format!("agent '{}': {err}", agent.name));
                if !names.insert(agent.name.as_str()) {
                    return Err(fail(&"configured twice"));
                }
                Ok(PlatformAgent {
                    name: AgentName::parse(&agent.name).map_err(|e| fail(&e))?,
                    description: agent.description.clone(),
                    config: AgentConfig::from_json(agent.config()).map_err(|e| fail(&e))?,
                })
            })
            .collect()
    }
}

/// `[memory]`: learning facts and preferences from users' conversations (off by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemorySettings {
    /// Whether a model reads each kept exchange of a user for things to remember.
    pub extract: bool,
    /// The model (name or tier) that reads them.
    pub model: String,
    /// The most memories kept from one exchange.
    pub max_items: usize,
}

impl Default for MemorySettings {
    fn default() -> Self {
        MemorySettings { extract: false, model: "fast".to_owned(), max_items: 5 }
    }
}
