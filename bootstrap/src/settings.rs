//! Typed settings: `ares.toml` (or `--config PATH`, or `ARES_CONFIG`), then `ARES__SECTION__KEY` environment
//! overrides, then the documented variables `DATABASE_URL`, `JWT_SECRET` and `API_KEY`. Both provider spellings of
//! the docs are accepted (`type`/`base_url` with nested `[[providers.models]]`, and `kind`/`api_base` with
//! top-level `[[models]]`).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ares_application::usecases::RoutingPolicy;
use ares_domain::routing::{Backoff, BreakerPolicy};
use ares_domain::{NetworkSeconds, Quota, TierQuotas};
use serde::Deserialize;
use serde_json::{Map, Value};

mod agents;
mod insight;
mod tools;
mod validate;

pub use agents::{MemorySettings, PlatformAgentSettings, ToonSettings};
pub use insight::{AlertSettings, MetricsSettings, WebhookSettings};
pub use tools::{
    CheckedSearch, CheckedTools, McpServerSettings, SearchProvider, Seconds, ToolsSettings, WebSearchSettings,
};
pub use validate::{ENCRYPTION_KEY, StartupError};

/// The configuration file used when none is named.
pub const DEFAULT_CONFIG: &str = "ares.toml";
/// The database used when neither `DATABASE_URL` nor `[database] url` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ares.db";

/// A secret value: deserializes from a string, never prints.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret in clear, for the one place that needs it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Everything ARES is configured with.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Settings {
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub database: DatabaseSettings,
    #[serde(default)]
    pub auth: AuthSettings,
    #[serde(default)]
    pub tiers: TierSettings,
    #[serde(default)]
    pub rate_limit: RateLimitSettings,
    #[serde(default)]
    pub metering: MeteringSettings,
    #[serde(default)]
    pub api_keys: ApiKeySettings,
    #[serde(default)]
    pub routing: RoutingSettings,
    #[serde(default)]
    pub providers: Vec<ProviderSettings>,
    #[serde(default)]
    pub models: Vec<ModelSettings>,
    #[serde(default)]
    pub agents: Vec<PlatformAgentSettings>,
    #[serde(default)]
    pub memory: MemorySettings,
    #[serde(default)]
    pub templates: Vec<TemplateSettings>,
    #[serde(default)]
    pub tools: ToolsSettings,
    #[serde(default)]
    pub mcp_servers: Vec<McpServerSettings>,
    #[serde(default)]
    pub alerts: AlertSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    /// The process environment, for the variables providers name (`api_key_env`).
    #[serde(skip)]
    pub environment: Environment,
}

/// The environment variables ARES was started with. Never printed: they hold provider keys.
#[derive(Clone, Default)]
pub struct Environment(pub HashMap<String, String>);

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Environment({} variables, redacted)", self.0.len())
    }
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Request bodies over this many bytes get 413.
    pub max_body_bytes: usize,
    /// HTTP worker threads; the number of cores when unset.
    pub workers: Option<usize>,
    /// On SIGTERM or Ctrl-C, how long requests in flight may take to finish (`30` or `"30s"`).
    pub shutdown_timeout: Seconds,
    /// How long a request's whole body may take to arrive once its headers have; a slower one gets 408.
    pub body_timeout: Seconds,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: "127.0.0.1".into(),
            port: 3000,
            max_body_bytes: 1024 * 1024,
            workers: None,
            shutdown_timeout: Seconds::Number(30.0),
            body_timeout: Seconds::Number(10.0),
        }
    }
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: Option<String>,
    pub max_connections: usize,
    pub acquire_timeout_ms: u64,
    pub statement_timeout_ms: u64,
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: None,
            max_connections: 10,
            acquire_timeout_ms: 5_000,
            statement_timeout_ms: 30_000,
            busy_timeout_ms: 5_000,
        }
    }
}

impl DatabaseSettings {
    /// The configured URL, or the embedded SQLite default.
    #[must_use]
    pub fn url(&self) -> &str {
        self.url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }

    /// The pool settings of the store adapter.
    #[must_use]
    pub fn pool(&self) -> ares_store::DbSettings {
        ares_store::DbSettings {
            url: self.url().to_owned(),
            max_connections: self.max_connections,
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            busy_timeout: Duration::from_millis(self.busy_timeout_ms),
        }
    }
}

/// `[auth]`: the secrets (normally set through `JWT_SECRET` and `API_KEY`) and how end users sign in.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: Option<Secret>,
    pub admin_secret: Option<Secret>,
    /// The tier new users are metered under (an operator may move a user to another).
    pub user_tier: String,
    /// Seconds an access token lives.
    pub access_token_ttl: u32,
    /// Days a refresh token lives (each use rotates it).
    pub refresh_token_days: u32,
    /// bcrypt's cost factor for passwords.
    pub bcrypt_cost: u32,
    /// Milliseconds a signed-in user's tier and status are cached (a change made on another instance is seen
    /// within that).
    pub session_cache_ms: u64,
    /// Failed sign-ins allowed per account, and per address, within `throttle_window` seconds.
    pub max_failed_logins: u32,
    pub max_failed_logins_per_address: u32,
    pub throttle_window: u64,
    /// The tools users may give their own agents (not the operator's MCP tools unless listed).
    pub user_tools: Vec<String>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: None,
            admin_secret: None,
            user_tier: "free".to_owned(),
            access_token_ttl: 900,
            refresh_token_days: 30,
            bcrypt_cost: 12,
            session_cache_ms: 1000,
            max_failed_logins: 5,
            max_failed_logins_per_address: 20,
            throttle_window: 900,
            user_tools: ares_application::usecases::USER_TOOLS.map(str::to_owned).to_vec(),
        }
    }
}

/// A quota limit: a number, or `"unlimited"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Limit {
    Count(u64),
    Word(Unlimited),
}

/// The word `unlimited`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unlimited {
    Unlimited,
}

impl Limit {
    fn value(self) -> Option<u64> {
        match self {
            Limit::Count(n) => Some(n),
            Limit::Word(Unlimited::Unlimited) => None,
        }
    }
}

/// `[tiers.<tier>]`: each key left out keeps the documented default.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaSettings {
    pub monthly_requests: Option<Limit>,
    pub monthly_tokens: Option<Limit>,
    pub daily_requests: Option<Limit>,
    /// US dollars a month at whose 80% and 90% alerts are raised (nothing is refused for it).
    pub monthly_cost_usd: Option<f64>,
}

impl QuotaSettings {
    fn over(self, default: Quota) -> Quota {
        let pick = |set: Option<Limit>, default: Option<u64>| set.map_or(default, Limit::value);
        Quota {
            monthly_requests: pick(self.monthly_requests, default.monthly_requests),
            monthly_tokens: pick(self.monthly_tokens, default.monthly_tokens),
            daily_requests: pick(self.daily_requests, default.daily_requests),
            monthly_cost_nanos: self.monthly_cost_usd.and_then(ares_domain::usage::nanos),
        }
    }
}

/// `[tiers]`
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierSettings {
    pub free: QuotaSettings,
    pub dev: QuotaSettings,
    pub pro: QuotaSettings,
    pub enterprise: QuotaSettings,
}

impl TierSettings {
    /// The quotas of every tier: the configured values over the documented defaults.
    #[must_use]
    pub fn quotas(&self) -> TierQuotas {
        let defaults = TierQuotas::default();
        TierQuotas {
            free: self.free.over(defaults.free),
            dev: self.dev.over(defaults.dev),
            pro: self.pro.over(defaults.pro),
            enterprise: self.enterprise.over(defaults.enterprise),
        }
    }
}

/// `[rate_limit]`: the per-IP limit in front of every route.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests a second per client IP, on average; 0 turns the limit off.
    pub per_second: u32,
    /// Requests a client IP may send at once before the average applies.
    pub burst: u32,
    /// Take the client IP from `X-Forwarded-For` (only behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings { per_second: 100, burst: 200, trust_forwarded_for: false }
    }
}

/// `[metering]`: token reservations and the caches in front of the client API.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeteringSettings {
    /// The completion tokens reserved for a request that sets no `max_tokens` (neither it nor its agent).
    pub default_max_tokens: u32,
    /// How long a looked-up API key is trusted: a key revoked on another instance stops working within this.
    pub key_cache_ms: u64,
    /// How long a tenant's agents are cached for runs and chats.
    pub agent_cache_ms: u64,
    /// How often the keys' `last_used` times are written, in one batch.
    pub last_used_flush_seconds: u64,
    /// PostgreSQL: whether admissions and usage records wait for the database's disk flush before the request
    /// goes on. `false`: they are in PostgreSQL first (they survive ARES being killed; only a crash of the
    /// database host can lose its last fraction of a second), as SQLite's `synchronous = NORMAL` always does.
    /// `true`: they survive that too, at the cost of a disk flush per group of requests.
    pub durable_commits: bool,
    /// How long a request's token reservation holds when the request is never recorded (its instance was killed):
    /// then it is released, by whichever instance notices first.
    pub reservation_ttl_seconds: u64,
}

impl Default for MeteringSettings {
    fn default() -> Self {
        MeteringSettings {
            default_max_tokens: 1024,
            key_cache_ms: 1000,
            agent_cache_ms: 1000,
            last_used_flush_seconds: 10,
            durable_commits: false,
            reservation_ttl_seconds: 600,
        }
    }
}

/// `[api_keys]`: what a tenant may hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiKeySettings {
    /// Live (unrevoked, unexpired) keys a tenant may hold; one more is a 409 until one is revoked.
    pub max_live_per_tenant: u64,
}

impl Default for ApiKeySettings {
    fn default() -> Self {
        ApiKeySettings { max_live_per_tenant: 100 }
    }
}

/// `[routing]`: retries, circuit breaking, and how often providers changed on other instances are picked up.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingSettings {
    /// The first retry waits about this long; each next one twice as long (with jitter).
    pub retry_base_delay_ms: u64,
    pub retry_max_delay_ms: u64,
    /// A `Retry-After` longer than this fails over at once instead of waiting.
    pub max_retry_wait_seconds: u64,
    /// Failures in a row that open a provider's circuit.
    pub circuit_failure_threshold: u32,
    /// How long an open circuit skips the provider before one probe call.
    pub circuit_cooldown_seconds: u64,
    /// How often the stored providers are reread (changes made through another instance).
    pub reload_interval_seconds: u64,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        RoutingSettings {
            retry_base_delay_ms: 250,
            retry_max_delay_ms: 4_000,
            max_retry_wait_seconds: 10,
            circuit_failure_threshold: 5,
            circuit_cooldown_seconds: 30,
            reload_interval_seconds: 5,
        }
    }
}

impl RoutingSettings {
    /// The router's policy.
    #[must_use]
    pub fn policy(&self) -> RoutingPolicy {
        RoutingPolicy {
            backoff: Backoff {
                base: Duration::from_millis(self.retry_base_delay_ms),
                max: Duration::from_millis(self.retry_max_delay_ms.max(self.retry_base_delay_ms)),
            },
            breaker: BreakerPolicy {
                failure_threshold: self.circuit_failure_threshold,
                cooldown: Duration::from_secs(self.circuit_cooldown_seconds),
            },
            max_retry_wait: Duration::from_secs(self.max_retry_wait_seconds),
        }
    }
}

/// `[[providers]]`, in either spelling.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    pub name: String,
    #[serde(rename = "type", alias = "kind")]
    pub kind: String,
    #[serde(alias = "api_base")]
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    #[serde(default)]
    pub models: Vec<NestedModelSettings>,
    /// This provider's own limits, enforced before calling it.
    pub requests_per_day: Option<u64>,
    pub tokens_per_minute: Option<u64>,
    /// Timeouts, retries and the connection pool (`[providers.network]`, in seconds).
    pub network: Option<NetworkSeconds>,
    /// `false` starts the provider disabled; an operator's enable or disable through the API then wins.
    pub enabled: Option<bool>,
}

/// `[[providers.models]]`: `id` is the upstream's model id, `name` the id clients and agents use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NestedModelSettings {
    pub id: String,
    pub name: Option<String>,
    pub context_length: Option<u32>,
    pub supports_tools: Option<bool>,
    pub tier: Option<String>,
    #[serde(default)]
    pub fallbacks: Vec<String>,
    /// US dollars per million prompt tokens (0 when not given).
    pub input_price_per_mtok: Option<f64>,
    /// US dollars per million completion tokens (0 when not given).
    pub output_price_per_mtok: Option<f64>,
}

/// Top-level `[[models]]`: `name` is the id clients and agents use, `model_id` the upstream's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    pub name: String,
    pub provider: String,
    pub model_id: Option<String>,
    pub context_length: Option<u32>,
    pub supports_tools: Option<bool>,
    pub tier: Option<String>,
    #[serde(default)]
    pub fallbacks: Vec<String>,
    pub input_price_per_mtok: Option<f64>,
    pub output_price_per_mtok: Option<f64>,
}

/// `[[templates]]`: an agent template seeded into the store at start-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSettings {
    pub name: String,
    pub product_type: String,
    pub agent_type: String,
    pub config: Map<String, Value>,
}

/// Where the configuration comes from: a file path (when any) and the environment.
pub struct Sources<'a> {
    pub file: Option<PathBuf>,
    pub env: &'a HashMap<String, String>,
}

impl Sources<'_> {
    /// The file named by `--config`, else `ARES_CONFIG`, else `./ares.toml` when it exists.
    #[must_use]
    pub fn config_path(cli: Option<PathBuf>, env: &HashMap<String, String>) -> Option<PathBuf> {
        cli.or_else(|| env.get("ARES_CONFIG").map(PathBuf::from))
            .or_else(|| Path::new(DEFAULT_CONFIG).exists().then(|| PathBuf::from(DEFAULT_CONFIG)))
    }
}

impl Settings {
    /// Loads and checks the settings.
    ///
    /// # Errors
    /// `StartupError` with a one-line message naming the file, line and key of a bad value, or the setting
    /// that is missing or invalid.
    pub fn load(sources: &Sources<'_>) -> Result<Settings, StartupError> {
        if let Some(path) = &sources.file {
            validate::check_file(path)?;
        }
        let mut builder = config::Config::builder();
        if let Some(path) = &sources.file {
            builder = builder.add_source(config::File::from(path.as_path()).format(config::FileFormat::Toml));
        }
        let builder = builder
            .add_source(
                config::Environment::with_prefix("ARES")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .source(Some(sources.env.clone().into_iter().collect())),
            )
            .set_override_option("database.url", sources.env.get("DATABASE_URL").cloned())
            .and_then(|b| b.set_override_option("auth.jwt_secret", sources.env.get("JWT_SECRET").cloned()))
            .and_then(|b| b.set_override_option("auth.admin_secret", sources.env.get("API_KEY").cloned()))
            .map_err(|err| StartupError::new(format!("invalid configuration: {err}")))?;
        let mut settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|err| StartupError::new(format!("invalid configuration: {err}")))?;
        settings.environment = Environment(sources.env.clone());
        settings.validated()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use ares_domain::Tier;

    use super::*;

    const JWT: &str = "0123456789abcdef0123456789abcdef";

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = [("JWT_SECRET", JWT), ("API_KEY", "admin")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        env.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        env
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    fn load(text: &str, env: &HashMap<String, String>) -> Result<Settings, StartupError> {
        let file = file(text);
        Settings::load(&Sources { file: Some(file.path().to_path_buf()), env })
    }

    #[test]
    fn the_repository_config_loads_with_every_template_and_model() {
        let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../ares.toml"));
        let settings = Settings::load(&Sources { file: Some(path), env: &env(&[]) }).unwrap();
        assert_eq!(settings.agent_templates().unwrap().len(), 9);
        let providers = settings.configured_providers(chrono::Utc::now()).unwrap();
        let tiers: Vec<_> =
            providers.iter().flat_map(|p| &p.models).filter_map(|m| m.tier.map(|t| t.as_str())).collect();
        assert_eq!(tiers, ["fast", "balanced", "powerful", "deepseek", "local"]);
        assert_eq!(settings.database.url(), DEFAULT_DATABASE_URL);
        assert_eq!(settings.tiers.quotas(), TierQuotas::default());
    }

    #[test]
    fn both_provider_spellings_give_the_same_models() {
        let nested = r#"
            [[providers]]
            name = "groq"
            type = "openai"
            base_url = "https://api.groq.com/openai/v1"
            api_key_env = "GROQ_API_KEY"
            [[providers.models]]
            id = "llama-3.3-70b-versatile"
            name = "llama-3.3-70b"
            context_length = 131072
        "#;
        let top_level = r#"
            [[providers]]
            name = "groq"
            kind = "openai"
            api_base = "https://api.groq.com/openai/v1"
            api_key_env = "GROQ_API_KEY"
            [[models]]
            name = "llama-3.3-70b"
            provider = "groq"
            model_id = "llama-3.3-70b-versatile"
            context_length = 131072
        "#;
        let now = chrono::Utc::now();
        let a = load(nested, &env(&[])).unwrap().configured_providers(now).unwrap();
        let b = load(top_level, &env(&[])).unwrap().configured_providers(now).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].models[0].upstream_id, "llama-3.3-70b-versatile");
        assert_eq!(a[0].models[0].name, "llama-3.3-70b");
    }

    #[test]
    fn environment_variables_override_the_file() {
        let text = "[server]\nport = 3000\n[database]\nurl = \"sqlite://file.db\"\n";
        let settings = load(
            text,
            &env(&[
                ("ARES__SERVER__PORT", "8080"),
                ("DATABASE_URL", "postgres://u@h/db"),
                ("ARES__TIERS__FREE__DAILY_REQUESTS", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.server.port, 8080);
        assert_eq!(settings.database.url(), "postgres://u@h/db");
        assert_eq!(settings.tiers.quotas().of(Tier::Free).daily_requests, Some(5));
        assert_eq!(settings.tiers.quotas().of(Tier::Free).monthly_requests, Some(1_000));
    }

    #[test]
    fn a_limit_can_be_lifted_with_unlimited() {
        let settings = load("[tiers.pro]\nmonthly_tokens = \"unlimited\"\n", &env(&[])).unwrap();
        assert_eq!(settings.tiers.quotas().of(Tier::Pro).monthly_tokens, None);
        assert_eq!(settings.tiers.quotas().of(Tier::Pro).monthly_requests, Some(100_000));
    }

    #[test]
    fn a_bad_value_names_the_file_line_and_key() {
        let text = "[server]\nhost = \"127.0.0.1\"\nport = \"three thousand\"\n";
        let file = file(text);
        let err = Settings::load(&Sources { file: Some(file.path().to_path_buf()), env: &env(&[]) }).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("invalid config file {}: line 3, column 8:", file.path().display())),
            "{message}"
        );
        assert!(message.ends_with("key `server.port`"), "{message}");
        assert!(!message.contains('\n'));
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let message = load("[server\nport = 1\n", &env(&[])).unwrap_err().to_string();
        assert!(message.contains(": line 1, column"), "{message}");
    }

    #[test]
    fn a_misspelt_key_is_refused() {
        let message = load("[server]\nprot = 3000\n", &env(&[])).unwrap_err().to_string();
        assert!(message.contains("unknown field `prot`") && message.contains("line 2"), "{message}");
    }

    #[test]
    fn secrets_are_required_and_the_jwt_secret_must_be_long() {
        let short = load("", &env(&[("JWT_SECRET", "short")])).unwrap_err();
        assert_eq!(short.to_string(), "JWT_SECRET must be at least 32 characters");
        let mut no_admin = env(&[]);
        no_admin.remove("API_KEY");
        let missing = Settings::load(&Sources { file: None, env: &no_admin }).unwrap_err();
        assert_eq!(missing.to_string(), "API_KEY (the admin secret for /api/admin/*) must be set");
        let mut no_jwt = env(&[]);
        no_jwt.remove("JWT_SECRET");
        let missing = Settings::load(&Sources { file: None, env: &no_jwt }).unwrap_err();
        assert_eq!(missing.to_string(), "JWT_SECRET must be set (at least 32 characters)");
    }

    #[test]
    fn secrets_never_print() {
        let settings = Settings::load(&Sources { file: None, env: &env(&[]) }).unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains(JWT) && !debug.contains("\"admin\""), "{debug}");
    }

    #[test]
    fn models_must_name_a_configured_provider_and_a_known_tier() {
        let unknown_provider = "[[models]]\nname = \"m\"\nprovider = \"nope\"\n";
        assert_eq!(
            load(unknown_provider, &env(&[])).unwrap_err().to_string(),
            "model 'm' names unknown provider 'nope'"
        );
        let bad_tier =
            "[[providers]]\nname = \"p\"\ntype = \"openai\"\n[[providers.models]]\nid = \"m\"\ntier = \"turbo\"\n";
        assert!(load(bad_tier, &env(&[])).unwrap_err().to_string().starts_with("model 'm' has unknown tier 'turbo'"));
        let bad_kind = "[[providers]]\nname = \"p\"\ntype = \"grpc\"\n";
        assert!(load(bad_kind, &env(&[])).unwrap_err().to_string().starts_with("provider 'p' has unknown type 'grpc'"));
    }

    #[test]
    fn tool_settings_are_read_and_checked() {
        let text = r#"
            [tools]
            max_iterations = 4
            tool_timeout = "1500ms"
            [tools.web_search]
            provider = "brave"
            api_key_env = "BRAVE_API_KEY"
            [[mcp_servers]]
            name = "files"
            command = "mcp-files"
            args = ["--root", "/srv"]
        "#;
        let settings = load(text, &env(&[("BRAVE_API_KEY", "brv-1")])).unwrap();
        let tools = settings.tools.checked(&settings.environment.0).unwrap();
        assert_eq!(
            (tools.loop_settings.max_iterations, tools.loop_settings.tool_timeout),
            (4, Duration::from_millis(1500))
        );
        let search = tools.web_search.unwrap();
        assert_eq!(
            (search.base_url.as_str(), search.api_key.as_deref()),
            (ares_tools::Brave::DEFAULT_BASE_URL, Some("brv-1"))
        );
        let servers = settings.mcp_servers().unwrap();
        assert_eq!(servers[0].0, "files");

        let no_key = load(text, &env(&[])).unwrap_err().to_string();
        assert_eq!(no_key, "tools.web_search: brave needs api_key_env naming a set variable with the API key");
        let both = "[[mcp_servers]]\nname = \"x\"\ncommand = \"a\"\nurl = \"http://b\"\n";
        assert_eq!(
            load(both, &env(&[])).unwrap_err().to_string(),
            "mcp server 'x' needs exactly one of `command` and `url`"
        );
        let twice = "[[mcp_servers]]\nname = \"x\"\ncommand = \"a\"\n[[mcp_servers]]\nname = \"x\"\ncommand = \"b\"\n";
        assert_eq!(load(twice, &env(&[])).unwrap_err().to_string(), "mcp server 'x' is configured twice");
        let limit = load("[tools]\nmax_iterations = 0\n", &env(&[])).unwrap_err().to_string();
        assert_eq!(limit, "tools.max_iterations must be between 1 and 50");
        let searx = load("[tools.web_search]\nprovider = \"searxng\"\n", &env(&[])).unwrap_err().to_string();
        assert_eq!(searx, "tools.web_search.base_url must name the SearXNG instance");
    }

    #[test]
    fn provider_network_limits_and_routing_are_read() {
        let text = r#"
            [routing]
            retry_base_delay_ms = 10
            circuit_failure_threshold = 2
            [[providers]]
            name = "local"
            type = "ollama"
            requests_per_day = 100
            enabled = false
            [providers.network]
            request_timeout_seconds = 0.5
            max_retries = 0
        "#;
        let settings = load(text, &env(&[])).unwrap();
        let provider = &settings.configured_providers(chrono::Utc::now()).unwrap()[0];
        assert_eq!(provider.network.request_timeout, Duration::from_millis(500));
        assert_eq!(
            (provider.network.max_retries, provider.limits.requests_per_day, provider.enabled),
            (0, Some(100), false)
        );
        let policy = settings.routing.policy();
        assert_eq!((policy.backoff.base, policy.breaker.failure_threshold), (Duration::from_millis(10), 2));
        let bad = "[[providers]]\nname = \"p\"\ntype = \"openai\"\n[providers.network]\nrequest_timeout_seconds = -1\n";
        assert_eq!(
            load(bad, &env(&[])).unwrap_err().to_string(),
            "provider 'p': Invalid network settings: request_timeout_seconds must be a positive number of seconds"
        );
    }

    #[test]
    fn the_environment_is_kept_for_provider_keys_but_never_printed() {
        let settings = Settings::load(&Sources { file: None, env: &env(&[("GROQ_API_KEY", "gsk-secret")]) }).unwrap();
        assert_eq!(settings.environment.0.get("GROQ_API_KEY").map(String::as_str), Some("gsk-secret"));
        assert!(!format!("{settings:?}").contains("gsk-secret"));
    }

    #[test]
    fn an_invalid_template_is_named() {
        let text = "[[templates]]\nname = \"t\"\nproduct_type = \"poker\"\nagent_type = \"x\"\n[templates.config]\nmodel = \"m\"\n";
        let message = load(text, &env(&[])).unwrap_err().to_string();
        assert_eq!(message, "template 't': Invalid product_type: 'poker'. Valid product types: generic, kasino, ehb");
    }
}
