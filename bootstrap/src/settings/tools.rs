//! `[tools]`, `[tools.web_search]` and `[[mcp_servers]]`: the tool-calling loop's defaults, the search service
//! behind `web_search`, and the MCP tool servers discovered at start-up.

use std::collections::HashMap;
use std::time::Duration;

use ares_domain::ToolSettings;
use serde::Deserialize;

use super::validate::StartupError;

/// `[tools]`: the server's defaults; an agent's config may override each.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolsSettings {
    /// Model rounds that may call tools before the model is asked for a final answer.
    pub max_iterations: u32,
    /// Run the calls of one round at the same time.
    pub parallel_execution: bool,
    /// Seconds one call may take (`30` or `"30s"`).
    pub tool_timeout: Seconds,
    /// How long each MCP server has to start and list its tools.
    pub mcp_startup_timeout: Seconds,
    pub web_search: Option<WebSearchSettings>,
}

impl Default for ToolsSettings {
    fn default() -> Self {
        let defaults = ToolSettings::default();
        ToolsSettings {
            max_iterations: defaults.max_iterations,
            parallel_execution: defaults.parallel_execution,
            tool_timeout: Seconds::Number(defaults.tool_timeout.as_secs_f64()),
            mcp_startup_timeout: Seconds::Number(30.0),
            web_search: None,
        }
    }
}

/// A duration in seconds: a number, or a string such as `"30s"` or `"500ms"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Seconds {
    Number(f64),
    Text(String),
}

impl Seconds {
    pub(crate) fn duration(&self, key: &str) -> Result<Duration, StartupError> {
        let seconds = match self {
            Seconds::Number(n) => Some(*n),
            Seconds::Text(text) => parse_seconds(text.trim()),
        };
        seconds
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| StartupError::new(format!("{key} must be a duration between 0 and 3600 seconds")))
    }
}

fn parse_seconds(text: &str) -> Option<f64> {
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.trim().parse::<f64>().ok().map(|ms| ms / 1000.0);
    }
    text.strip_suffix('s').unwrap_or(text).trim().parse().ok()
}

/// `[tools.web_search]`: the search service behind the `web_search` tool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSearchSettings {
    /// `searxng` (self-hosted, its JSON API) or `brave` (the Brave Search API).
    pub provider: SearchProvider,
    /// The instance (SearXNG: required) or API endpoint (Brave: its hosted API when unset).
    pub base_url: Option<String>,
    /// The variable holding the API key (Brave).
    pub api_key_env: Option<String>,
    #[serde(default = "default_max_results")]
    pub max_results: usize,
    #[serde(default = "default_search_timeout")]
    pub timeout: Seconds,
}

fn default_max_results() -> usize {
    5
}

fn default_search_timeout() -> Seconds {
    Seconds::Number(10.0)
}

/// The search services ARES speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchProvider {
    Searxng,
    Brave,
}

/// `[[mcp_servers]]`: a command ARES starts (stdio) or a streamable HTTP `url`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerSettings {
    pub name: String,
    pub command: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    /// Variables set for the command, besides ARES's own environment.
    #[serde(default)]
    pub env: HashMap<String, String>,
    pub url: Option<String>,
    /// The variable holding a bearer token for `url`.
    pub bearer_token_env: Option<String>,
}

/// The checked tool settings, ready for wiring.
#[derive(Debug, Clone)]
pub struct CheckedTools {
    pub loop_settings: ToolSettings,
    pub mcp_startup_timeout: Duration,
    pub web_search: Option<CheckedSearch>,
}

/// The search service, with its key read from the environment.
#[derive(Debug, Clone)]
pub struct CheckedSearch {
    pub provider: SearchProvider,
    pub base_url: String,
    pub api_key: Option<String>,
    pub max_results: usize,
    pub timeout: Duration,
}

impl ToolsSettings {
    /// The settings, checked; secrets come from `env`.
    ///
    /// # Errors
    /// A setting out of range, or a search service that lacks what it needs.
    pub fn checked(&self, env: &HashMap<String, String>) -> Result<CheckedTools, StartupError> {
        if !(1..=50).contains(&self.max_iterations) {
            return Err(StartupError::new("tools.max_iterations must be between 1 and 50"));
        }
        let loop_settings = ToolSettings {
            max_iterations: self.max_iterations,
            parallel_execution: self.parallel_execution,
            tool_timeout: self.tool_timeout.duration("tools.tool_timeout")?,
        };
        let web_search = self.web_search.as_ref().map(|search| search.checked(env)).transpose()?;
        let mcp_startup_timeout = self.mcp_startup_timeout.duration("tools.mcp_startup_timeout")?;
        Ok(CheckedTools { loop_settings, mcp_startup_timeout, web_search })
    }
}

impl WebSearchSettings {
    fn checked(&self, env: &HashMap<String, String>) -> Result<CheckedSearch, StartupError> {
        let base_url = match (self.provider, &self.base_url) {
            (_, Some(url)) => url.clone(),
            (SearchProvider::Brave, None) => ares_tools::Brave::DEFAULT_BASE_URL.to_owned(),
            (SearchProvider::Searxng, None) => {
                return Err(StartupError::new("tools.web_search.base_url must name the SearXNG instance"));
            }
        };
        let api_key = self.api_key_env.as_ref().and_then(|name| env.get(name)).cloned();
        if self.provider == SearchProvider::Brave && api_key.is_none() {
            return Err(StartupError::new(
                "tools.web_search: brave needs api_key_env naming a set variable with the API key",
            ));
        }
        if !(1..=20).contains(&self.max_results) {
            return Err(StartupError::new("tools.web_search.max_results must be between 1 and 20"));
        }
        let timeout = self.timeout.duration("tools.web_search.timeout")?;
        Ok(CheckedSearch { provider: self.provider, base_url, api_key, max_results: self.max_results, timeout })
    }
}

impl McpServerSettings {
    /// How ARES reaches the server, with its token read from `env`.
    ///
    /// # Errors
    /// A name that is not a plain identifier, or not exactly one of `command` and `url`.
    pub fn transport(&self, env: &HashMap<String, String>) -> Result<ares_tools::McpTransport, StartupError> {
        let name = &self.name;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(StartupError::new(format!(
                "mcp_servers: name '{name}' must be letters, digits, '_' and '-' only"
            )));
        }
        match (&self.command, &self.url) {
            (Some(command), None) => Ok(ares_tools::McpTransport::Stdio {
                command: command.clone(),
                args: self.args.clone(),
                env: self.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            }),
            (None, Some(url)) => Ok(ares_tools::McpTransport::Http {
                url: url.clone(),
                bearer_token: self.bearer_token_env.as_ref().and_then(|n| env.get(n)).cloned(),
            }),
            _ => Err(StartupError::new(format!("mcp server '{name}' needs exactly one of `command` and `url`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_numbers_or_with_a_unit() {
        assert_eq!(Seconds::Number(30.0).duration("k").unwrap(), Duration::from_secs(30));
        assert_eq!(Seconds::Text("30s".into()).duration("k").unwrap(), Duration::from_secs(30));
        assert_eq!(Seconds::Text("500ms".into()).duration("k").unwrap(), Duration::from_millis(500));
        assert_eq!(Seconds::Text("2".into()).duration("k").unwrap(), Duration::from_secs(2));
        let bad = Seconds::Text("soon".into()).duration("tools.tool_timeout").unwrap_err();
        assert_eq!(bad.to_string(), "tools.tool_timeout must be a duration between 0 and 3600 seconds");
        assert!(Seconds::Number(0.0).duration("k").is_err());
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let checked = ToolsSettings::default().checked(&HashMap::new()).unwrap();
        assert_eq!(checked.loop_settings, ToolSettings::default());
        assert!(checked.web_search.is_none());
    }
}
