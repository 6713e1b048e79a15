//! An agent definition as a TOON document, the form users import and export their agents in: one flat object of
//! the agent's name, its type and its config fields.
//!
//! ```text
//! name: support-agent
//! agent_type: support
//! model: llama-3.3-70b
//! system_prompt: "You help customers. Be brief."
//! tools[1]: web_search
//! max_tokens: 4096
//! role: Customer Support Specialist
//! knowledge[2]: product documentation,pricing plans
//! ```
//!
//! Reading also accepts the config fields nested under `config:` (the API's `{"name", "agent_type", "config"}`
//! body) and the structured-prompt fields nested under `toon:` (the `[agents.toon]` table of `ares.toml`).

use serde_json::{Map, Value};

use crate::toon::{self, ToonError};
use crate::{AgentConfig, AgentName, AgentType};

/// Keys that are not config fields: the definition's own, and the sections read as nested config.
pub const RESERVED_KEYS: [&str; 4] = ["name", "agent_type", "config", "toon"];

/// The order config fields are written in; fields the config does not know follow.
const FIELD_ORDER: [&str; 12] = [
    "model",
    "system_prompt",
    "tools",
    "max_tokens",
    "temperature",
    "role",
    "personality",
    "knowledge",
    "constraints",
    "max_iterations",
    "parallel_execution",
    "tool_timeout",
];

/// Why a TOON document is not an agent definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentFileError {
    /// The document is not valid TOON; the error names the line.
    #[error(transparent)]
    Syntax(#[from] ToonError),
    /// Valid TOON that is not a valid agent: a field missing, of the wrong type, or not allowed.
    #[error("{0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> AgentFileError {
    AgentFileError::Invalid(message.into())
}

/// An agent as its owner defines it: what an export writes and an import reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentDefinition {
    pub name: AgentName,
    pub agent_type: Option<AgentType>,
    pub config: AgentConfig,
}

impl AgentDefinition {
    /// The definition as a flat TOON object: `name`, `agent_type` when set, then the config fields that are set
    /// (`tools` always). Config keys of [`RESERVED_KEYS`] cannot be written and are left out.
    #[must_use]
    pub fn to_toon(&self) -> String {
        let mut document = Map::new();
        document.insert("name".into(), Value::String(self.name.to_string()));
        if let Some(agent_type) = &self.agent_type {
            document.insert("agent_type".into(), Value::String(agent_type.to_string()));
        }
        let mut fields = self.config.to_json();
        for key in FIELD_ORDER {
            if let Some(value) = fields.shift_remove(key) {
                document.insert(key.into(), value);
            }
        }
        document.extend(fields.into_iter().filter(|(key, _)| !RESERVED_KEYS.contains(&key.as_str())));
        toon::encode(&Value::Object(document))
    }

    /// Reads a definition: the flat form [`to_toon`](Self::to_toon) writes, or its config fields nested under
    /// `config:` and `toon:`.
    ///
    /// # Errors
    /// `Syntax` when the document is not valid TOON; `Invalid` when it is not a valid agent (no name or model, a
    /// field of the wrong type or out of range, a field given twice).
    pub fn from_toon(text: &str) -> Result<Self, AgentFileError> {
        let Value::Object(mut document) = toon::decode(text)? else {
            return Err(invalid("Invalid agent definition: expected 'key: value' lines"));
        };
        let name = take_name(&mut document)?;
        let agent_type = take_agent_type(&mut document)?;
        let fields = flatten(document)?;
        let config = AgentConfig::from_json(fields).map_err(|err| invalid(err.to_string()))?;
        Ok(AgentDefinition { name, agent_type, config })
    }
}

/// The first config key that cannot be written as a field of a definition, if any.
#[must_use]
pub fn reserved_key(config: &AgentConfig) -> Option<&str> {
    config.extra.keys().map(String::as_str).find(|key| RESERVED_KEYS.contains(key))
}

fn take_string(document: &mut Map<String, Value>, key: &str) -> Result<Option<String>, AgentFileError> {
    match document.shift_remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(invalid(format!("Invalid agent definition: '{key}' must be a string"))),
    }
}

fn take_name(document: &mut Map<String, Value>) -> Result<AgentName, AgentFileError> {
    let raw = take_string(document, "name")?.ok_or_else(|| invalid("Missing required field: name"))?;
    AgentName::parse(&raw).map_err(|err| invalid(err.to_string()))
}

fn take_agent_type(document: &mut Map<String, Value>) -> Result<Option<AgentType>, AgentFileError> {
    let raw = take_string(document, "agent_type")?;
    raw.map(|raw| AgentType::parse(&raw).map_err(|err| invalid(err.to_string()))).transpose()
}

/// The config fields of `document`, with those of its `config` section, then of its `toon` section, lifted out.
fn flatten(mut document: Map<String, Value>) -> Result<Map<String, Value>, AgentFileError> {
    for (section, forbidden) in [("config", &RESERVED_KEYS[..3]), ("toon", &RESERVED_KEYS[..])] {
        let Some(fields) = document.shift_remove(section) else { continue };
        let Value::Object(fields) = fields else {
            return Err(invalid(format!("Invalid agent definition: '{section}' must hold 'key: value' fields")));
        };
        lift(&mut document, section, fields, forbidden)?;
    }
    Ok(document)
}

fn lift(
    document: &mut Map<String, Value>,
    section: &str,
    fields: Map<String, Value>,
    forbidden: &[&str],
) -> Result<(), AgentFileError> {
    for (key, value) in fields {
        if forbidden.contains(&key.as_str()) {
            return Err(invalid(format!("Invalid agent definition: '{key}' cannot be inside '{section}'")));
        }
        if document.contains_key(&key) {
            return Err(invalid(format!("Invalid agent definition: '{key}' is given twice")));
        }
        document.insert(key, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::toon::tests::tricky_string as text;

    fn config(value: Value) -> AgentConfig {
        AgentConfig::from_json(value.as_object().cloned().unwrap()).unwrap()
    }

    fn sample() -> AgentDefinition {
        AgentDefinition {
            name: AgentName::parse("support-agent").unwrap(),
            agent_type: Some(AgentType::parse("support").unwrap()),
            config: config(json!({
                "model": "llama-3.3-70b",
                "system_prompt": "You help customers.\nBe brief, and kind.",
                "tools": ["web_search", "calculator"],
                "max_tokens": 4096,
                "temperature": 0.7,
                "role": "Customer Support Specialist",
                "personality": "Professional, empathetic, solution-oriented",
                "knowledge": ["product documentation", "pricing plans"],
                "constraints": ["Never make up information about products", "Escalate billing: always"],
            })),
        }
    }

    const SAMPLE_TOON: &str = r#"name: support-agent
agent_type: support
model: llama-3.3-70b
system_prompt: "You help customers.\nBe brief, and kind."
tools[2]: web_search,calculator
max_tokens: 4096
temperature: 0.7
role: Customer Support Specialist
personality: "Professional, empathetic, solution-oriented"
knowledge[2]: product documentation,pricing plans
constraints[2]: Never make up information about products,"Escalate billing: always""#;

    #[test]
    fn exports_a_sample_agent_as_the_expected_document() {
        assert_eq!(sample().to_toon(), SAMPLE_TOON);
        assert_eq!(AgentDefinition::from_toon(SAMPLE_TOON), Ok(sample()));
    }

    #[test]
    fn a_bare_agent_lists_its_empty_tools_and_nothing_unset() {
        let bare = AgentDefinition {
            name: AgentName::parse("bot").unwrap(),
            agent_type: None,
            config: config(json!({"model": "m"})),
        };
        assert_eq!(bare.to_toon(), "name: bot\nmodel: m\ntools[0]:");
        assert_eq!(AgentDefinition::from_toon("name: bot\nmodel: m"), Ok(bare));
    }

    #[test]
    fn fields_the_config_does_not_know_follow_the_known_ones() {
        let mut agent = sample();
        agent.config = config(json!({"model": "m", "depth": 2, "max_iterations": 3}));
        assert_eq!(
            agent.to_toon(),
            "name: support-agent\nagent_type: support\nmodel: m\ntools[0]:\nmax_iterations: 3\ndepth: 2"
        );
        assert_eq!(AgentDefinition::from_toon(&agent.to_toon()), Ok(agent));
    }

    #[test]
    fn reads_the_nested_config_and_toon_forms() {
        let text = "\
name: support-agent
agent_type: support
config:
  model: llama-3.3-70b
  system_prompt: \"You help customers.\\nBe brief, and kind.\"
  tools[2]: web_search,calculator
  max_tokens: 4096
  temperature: 0.7
toon:
  role: Customer Support Specialist
  personality: \"Professional, empathetic, solution-oriented\"
  knowledge[2]: product documentation,pricing plans
  constraints[2]: Never make up information about products,\"Escalate billing: always\"";
        assert_eq!(AgentDefinition::from_toon(text), Ok(sample()));
    }

    #[test]
    fn malformed_toon_names_the_line() {
        let err = AgentDefinition::from_toon("name: bot\nmodel: m\ntools[2]: calculator").unwrap_err();
        assert_eq!(err.to_string(), "Invalid TOON at line 3: array declares 2 items, found 1");
        assert!(matches!(err, AgentFileError::Syntax(ToonError { line: 3, .. })));
        let err = AgentDefinition::from_toon("name: bot\n\nmodel m").unwrap_err();
        assert_eq!(err.to_string(), "Invalid TOON at line 3: expected 'key: value'");
    }

    #[test]
    fn well_formed_documents_that_are_not_agents_are_invalid() {
        let cases = [
            ("model: m", "Missing required field: name"),
            ("", "Missing required field: name"),
            ("name: bot", "Invalid agent config: missing field `model`"),
            ("name: 12\nmodel: m", "Invalid agent definition: 'name' must be a string"),
            ("name: has space\nmodel: m", "Invalid agent name: 'has space'. Use 1-64 letters, digits, '-', '_' or '.'"),
            (
                "name: bot\nagent_type: \"a b\"\nmodel: m",
                "Invalid agent_type: 'a b'. Use 1-64 letters, digits, '-', '_' or '.'",
            ),
            (
                "name: bot\nmodel: m\ntools: calculator",
                "Invalid agent config: invalid type: string \"calculator\", expected a sequence",
            ),
            ("name: bot\nmodel: m\ntemperature: 3", "Invalid agent config: temperature must be between 0 and 2, got 3"),
            ("name: bot\nmodel: m\nconfig:\n  model: n", "Invalid agent definition: 'model' is given twice"),
            ("name: bot\nconfig: m", "Invalid agent definition: 'config' must hold 'key: value' fields"),
            (
                "name: bot\nconfig:\n  model: m\n  name: other",
                "Invalid agent definition: 'name' cannot be inside 'config'",
            ),
            ("just text", "Invalid agent definition: expected 'key: value' lines"),
        ];
        for (text, message) in cases {
            assert_eq!(AgentDefinition::from_toon(text), Err(AgentFileError::Invalid(message.into())), "{text:?}");
        }
    }

    #[test]
    fn reserved_config_keys_are_found_and_never_written() {
        let mut agent = sample();
        agent.config = config(json!({"model": "m", "toon": 1}));
        assert_eq!(reserved_key(&agent.config), Some("toon"));
        assert_eq!(agent.to_toon(), "name: support-agent\nagent_type: support\nmodel: m\ntools[0]:");
        assert_eq!(reserved_key(&sample().config), None);
    }

    fn identifier() -> impl Strategy<Value = String> {
        "[A-Za-z0-9._-]{1,64}"
    }

    fn extra() -> impl Strategy<Value = Map<String, Value>> {
        let value = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        proptest::collection::vec(("x_[a-z]{1,6}", value), 0..3).prop_map(|fields| fields.into_iter().collect())
    }

    prop_compose! {
        fn generation()(
            max_tokens in proptest::option::of(1..=1_000_000_u32),
            temperature in proptest::option::of(proptest::sample::select(vec![0.0, 0.1, 0.2, 0.5, 0.7, 1.0, 1.5, 2.0])),
            max_iterations in proptest::option::of(1..=50_u32),
            parallel_execution in proptest::option::of(any::<bool>()),
            tool_timeout in proptest::option::of(proptest::sample::select(vec![0.5, 1.0, 30.0, 600.0])),
        ) -> (Option<u32>, Option<f64>, Option<u32>, Option<bool>, Option<f64>) {
            (max_tokens, temperature, max_iterations, parallel_execution, tool_timeout)
        }
    }

    prop_compose! {
        fn agent_config()(
            model in text().prop_filter("a model", |model| !model.trim().is_empty()),
            system_prompt in proptest::option::of(text()),
            tools in proptest::collection::vec(text(), 0..4),
            (max_tokens, temperature, max_iterations, parallel_execution, tool_timeout) in generation(),
            role in proptest::option::of(text()),
            personality in proptest::option::of(text()),
            knowledge in proptest::collection::vec(text(), 0..4),
            constraints in proptest::collection::vec(text(), 0..4),
            extra in extra(),
        ) -> AgentConfig {
            AgentConfig {
                model, system_prompt, tools, max_tokens, temperature, max_iterations, parallel_execution,
                tool_timeout, role, personality, knowledge, constraints, extra,
            }
        }
    }

    prop_compose! {
        fn definition()(
            name in identifier(),
            agent_type in proptest::option::of(identifier()),
            config in agent_config(),
        ) -> AgentDefinition {
            AgentDefinition {
                name: AgentName::parse(&name).unwrap(),
                agent_type: agent_type.map(|t| AgentType::parse(&t).unwrap()),
                config,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn definitions_round_trip_through_toon(definition in definition()) {
            let text = definition.to_toon();
            prop_assert_eq!(AgentDefinition::from_toon(&text), Ok(definition), "{}", text);
        }

        #[test]
        fn reading_never_panics(text in any::<String>()) {
            let _ = AgentDefinition::from_toon(&text);
        }
    }
}
