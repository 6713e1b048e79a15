//! Model providers: a named upstream speaking one wire format, the models it serves, its credentials, its network
//! settings and its own rate limits. Providers come from `ares.toml` or from the Admin API.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::request::is_hidden_char;

const MAX_NAME_LEN: usize = 64;
const MAX_MODEL_NAME_LEN: usize = 128;

/// Why a provider definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidProvider {
    #[error("Invalid provider id: '{0}'. Use 1-64 letters, digits, '-', '_' or '.'")]
    Name(String),
    #[error("Invalid provider type: '{0}'. Valid types: openai, anthropic, ollama, mock")]
    Kind(String),
    #[error("Invalid model tier: '{0}'. Valid tiers: fast, balanced, powerful, deepseek, local")]
    Tier(String),
    #[error("Invalid base_url: '{0}'. Use an http:// or https:// URL")]
    BaseUrl(String),
    #[error("Invalid model: {0}")]
    Model(String),
    #[error("Invalid network settings: {0}")]
    Network(String),
    #[error("Invalid credential: {0}")]
    Credential(&'static str),
}

/// The wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Any OpenAI-compatible server: OpenAI, Groq, NVIDIA, vLLM, Together, Fireworks...
    #[serde(rename = "openai")]
    OpenAi,
    Anthropic,
    Ollama,
    /// The deterministic in-process provider, for development and tests.
    Mock,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] =
        [ProviderKind::OpenAi, ProviderKind::Anthropic, ProviderKind::Ollama, ProviderKind::Mock];

    /// The name used in configuration, on the wire and in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Ollama => "ollama",
            ProviderKind::Mock => "mock",
        }
    }

    /// Where the provider lives when its definition names no `base_url`.
    #[must_use]
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::OpenAi => Some("https://api.openai.com/v1"),
            ProviderKind::Anthropic => Some("https://api.anthropic.com/v1"),
            ProviderKind::Ollama => Some("http://localhost:11434"),
            ProviderKind::Mock => None,
        }
    }
}

impl FromStr for ProviderKind {
    type Err = InvalidProvider;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ProviderKind::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| InvalidProvider::Kind(raw.to_owned()))
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider's unique name (`groq`, `anthropic`, `nvidia-deepseek`): its id in the Admin API.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ProviderName(String);

impl ProviderName {
    /// Validates `raw` as a provider name.
    ///
    /// # Errors
    /// `InvalidProvider::Name` when `raw` is empty, too long or holds other characters.
    pub fn parse(raw: &str) -> Result<Self, InvalidProvider> {
        if crate::agent::is_identifier(raw, MAX_NAME_LEN) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidProvider::Name(raw.to_owned()))
        }
    }
}

impl AsRef<str> for ProviderName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A model tier: what an agent names when it wants "a fast model" rather than a particular one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelTier {
    Fast,
    Balanced,
    Powerful,
    Deepseek,
    Local,
}

impl ModelTier {
    pub const ALL: [ModelTier; 5] =
        [ModelTier::Fast, ModelTier::Balanced, ModelTier::Powerful, ModelTier::Deepseek, ModelTier::Local];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ModelTier::Fast => "fast",
            ModelTier::Balanced => "balanced",
            ModelTier::Powerful => "powerful",
            ModelTier::Deepseek => "deepseek",
            ModelTier::Local => "local",
        }
    }
}

impl FromStr for ModelTier {
    type Err = InvalidProvider;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ModelTier::ALL.into_iter().find(|t| t.as_str() == raw).ok_or_else(|| InvalidProvider::Tier(raw.to_owned()))
    }
}

impl fmt::Display for ModelTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One model a provider serves. `name` is what clients and agents say; `upstream_id` what the provider calls it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub name: String,
    pub upstream_id: String,
    pub context_length: Option<u32>,
    pub supports_tools: bool,
    pub tier: Option<ModelTier>,
    /// Model names to try, in order, when this one fails with a transient error.
    pub fallbacks: Vec<String>,
    /// What its tokens cost; free when no price is set.
    #[serde(default)]
    pub price: ModelPrice,
}

/// What a model's tokens cost, in billionths of a US dollar per token: `input_price_per_mtok` (US dollars per
/// million tokens) times 1000. Whole numbers keep every sum of costs exact; a thousandth of a dollar per million
/// tokens is the finest price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelPrice {
    pub input_nanos: u64,
    pub output_nanos: u64,
}

impl ModelPrice {
    /// The dearest price a model may have: 1,000,000 dollars per million tokens.
    pub const MAX_PER_MTOK: f64 = 1_000_000.0;

    /// A price from US dollars per million prompt (`input`) and completion (`output`) tokens.
    ///
    /// # Errors
    /// `InvalidProvider::Model` for a negative, non-finite or too high price.
    pub fn per_mtok(input: f64, output: f64) -> Result<Self, InvalidProvider> {
        Ok(ModelPrice { input_nanos: nanos_per_token(input)?, output_nanos: nanos_per_token(output)? })
    }

    /// US dollars per million prompt tokens.
    #[must_use]
    pub fn input_per_mtok(&self) -> f64 {
        per_mtok(self.input_nanos)
    }

    /// US dollars per million completion tokens.
    #[must_use]
    pub fn output_per_mtok(&self) -> f64 {
        per_mtok(self.output_nanos)
    }

    /// What `tokens_in` prompt and `tokens_out` completion tokens cost, in billionths of a US dollar.
    #[must_use]
    pub fn cost_nanos(&self, tokens_in: u64, tokens_out: u64) -> u64 {
        tokens_in.saturating_mul(self.input_nanos).saturating_add(tokens_out.saturating_mul(self.output_nanos))
    }
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the price is checked to be finite and within 0..=MAX_PER_MTOK first"
)]
fn nanos_per_token(usd_per_mtok: f64) -> Result<u64, InvalidProvider> {
    if !usd_per_mtok.is_finite() || !(0.0..=ModelPrice::MAX_PER_MTOK).contains(&usd_per_mtok) {
        return Err(InvalidProvider::Model(format!(
            "a price must be between 0 and {} US dollars per million tokens",
            ModelPrice::MAX_PER_MTOK
        )));
    }
    Ok((usd_per_mtok * 1000.0).round() as u64)
}

#[expect(clippy::cast_precision_loss, reason = "prices are far below 2^52 nanos")]
fn per_mtok(nanos: u64) -> f64 {
    nanos as f64 / 1000.0
}

impl ModelSpec {
    /// The same model at `price`.
    #[must_use]
    pub fn priced(self, price: ModelPrice) -> Self {
        ModelSpec { price, ..self }
    }

    /// A model as the config file and the Admin API spell it: `id` is the upstream's id, `name` what clients say
    /// (the id when not given); tools are taken to be supported unless `supports_tools` says otherwise.
    ///
    /// # Errors
    /// `InvalidProvider::Tier` for an unknown tier, `Model` for a bad name or id.
    pub fn configured(
        id: String,
        name: Option<String>,
        context_length: Option<u32>,
        supports_tools: Option<bool>,
        tier: Option<&str>,
        fallbacks: Vec<String>,
    ) -> Result<Self, InvalidProvider> {
        let spec = ModelSpec {
            name: name.unwrap_or_else(|| id.clone()),
            upstream_id: id,
            context_length,
            supports_tools: supports_tools.unwrap_or(true),
            tier: tier.map(str::parse).transpose()?,
            fallbacks,
            price: ModelPrice::default(),
        };
        spec.check()?;
        Ok(spec)
    }

    fn check(&self) -> Result<(), InvalidProvider> {
        let valid = |s: &str| {
            !s.is_empty() && s.len() <= MAX_MODEL_NAME_LEN && !s.chars().any(|c| c.is_whitespace() || is_hidden_char(c))
        };
        if !valid(&self.name) {
            return Err(InvalidProvider::Model(format!(
                "name '{}' must be 1-128 characters, no spaces or control characters",
                self.name
            )));
        }
        if !valid(&self.upstream_id) {
            return Err(InvalidProvider::Model(format!(
                "id '{}' must be 1-128 characters, no spaces or control characters",
                self.upstream_id
            )));
        }
        if self.fallbacks.iter().any(|f| f == &self.name) {
            return Err(InvalidProvider::Model(format!("'{}' cannot fall back to itself", self.name)));
        }
        Ok(())
    }
}

/// How ARES talks to a provider (the peer gateway's `network` block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkConfig {
    pub connect_timeout: Duration,
    /// For a whole call; for a stream, the wait for its headers and between two chunks.
    pub request_timeout: Duration,
    /// Extra attempts on the same provider after a transient failure, before failing over.
    pub max_retries: u32,
    pub max_idle_per_host: usize,
    pub idle_timeout: Duration,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(120),
            max_retries: 2,
            max_idle_per_host: 32,
            idle_timeout: Duration::from_secs(90),
        }
    }
}

/// Network settings in seconds, as the config file and the Admin API spell them (the peer gateway's `network`
/// block). Each one left out keeps the value it is applied over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSeconds {
    pub connect_timeout_seconds: Option<f64>,
    pub request_timeout_seconds: Option<f64>,
    pub max_retries: Option<u32>,
    pub max_idle_connections_per_host: Option<usize>,
    pub idle_keep_alive_timeout_seconds: Option<f64>,
}

impl NetworkSeconds {
    /// `base` with the settings given here.
    ///
    /// # Errors
    /// `InvalidProvider::Network` for a negative, infinite or zero timeout.
    pub fn over(self, base: NetworkConfig) -> Result<NetworkConfig, InvalidProvider> {
        let seconds = |value: Option<f64>, default: Duration, key: &str| match value {
            None => Ok(default),
            Some(s) if s > 0.0 => Duration::try_from_secs_f64(s)
                .map_err(|_| InvalidProvider::Network(format!("{key} must be a positive number of seconds"))),
            Some(_) => Err(InvalidProvider::Network(format!("{key} must be a positive number of seconds"))),
        };
        Ok(NetworkConfig {
            connect_timeout: seconds(self.connect_timeout_seconds, base.connect_timeout, "connect_timeout_seconds")?,
            request_timeout: seconds(self.request_timeout_seconds, base.request_timeout, "request_timeout_seconds")?,
            max_retries: self.max_retries.unwrap_or(base.max_retries),
            max_idle_per_host: self.max_idle_connections_per_host.unwrap_or(base.max_idle_per_host),
            idle_timeout: seconds(
                self.idle_keep_alive_timeout_seconds,
                base.idle_timeout,
                "idle_keep_alive_timeout_seconds",
            )?,
        })
    }
}

/// A provider's own rate limits, enforced by ARES before it calls the upstream. `None` means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLimits {
    pub requests_per_day: Option<u64>,
    pub tokens_per_minute: Option<u64>,
}

/// An API key given to ARES for a provider. Never printed, never returned by the API.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderSecret(String);

impl ProviderSecret {
    #[must_use]
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The key in clear, for the request headers that need it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ProviderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProviderSecret([redacted])")
    }
}

/// Where a provider's API key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The provider needs no key (a local Ollama, the mock).
    None,
    /// The environment variable that holds the key (`GROQ_API_KEY`).
    Env(String),
    /// A key given through the Admin API, kept in the store.
    Stored(ProviderSecret),
}

impl Credential {
    /// The key in the environment variable `variable`: 1-128 letters, digits and `_`, not starting with a digit.
    ///
    /// # Errors
    /// `InvalidProvider::Credential` for any other name.
    pub fn env(variable: &str) -> Result<Self, InvalidProvider> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let valid = (1..=128).contains(&variable.len())
            && variable.chars().all(allowed)
            && !variable.starts_with(|c: char| c.is_ascii_digit());
        if valid {
            Ok(Credential::Env(variable.to_owned()))
        } else {
            Err(InvalidProvider::Credential(
                "api_key_env must be 1-128 letters, digits or '_', not starting with a digit",
            ))
        }
    }

    /// A key to keep in the store: 1-4096 characters, none of them whitespace or control characters (it is sent
    /// in a header).
    ///
    /// # Errors
    /// `InvalidProvider::Credential` otherwise.
    pub fn stored(key: &str) -> Result<Self, InvalidProvider> {
        let valid = (1..=4096).contains(&key.len()) && !key.chars().any(|c| c.is_whitespace() || is_hidden_char(c));
        if valid {
            Ok(Credential::Stored(ProviderSecret::new(key)))
        } else {
            Err(InvalidProvider::Credential("api_key must be 1-4096 characters without spaces or control characters"))
        }
    }
}

/// Who defined a provider: the configuration file (read-only through the API) or the Admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderSource {
    Config,
    Api,
}

impl ProviderSource {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderSource::Config => "config",
            ProviderSource::Api => "api",
        }
    }

    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "config" => Some(ProviderSource::Config),
            "api" => Some(ProviderSource::Api),
            _ => None,
        }
    }
}

/// A provider, as defined and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: ProviderName,
    pub kind: ProviderKind,
    /// `None` uses the kind's default.
    pub base_url: Option<String>,
    pub credential: Credential,
    pub models: Vec<ModelSpec>,
    pub limits: ProviderLimits,
    pub network: NetworkConfig,
    pub enabled: bool,
    pub source: ProviderSource,
    /// The model ids the upstream reported at the last refresh.
    pub discovered_models: Vec<String>,
    pub models_refreshed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Provider {
    /// The URL requests go to.
    #[must_use]
    pub fn effective_base_url(&self) -> Option<&str> {
        self.base_url.as_deref().or_else(|| self.kind.default_base_url())
    }

    /// Checks what parsing alone cannot: URL scheme, model names unique and valid, sane timeouts.
    ///
    /// # Errors
    /// The first rule the definition breaks.
    pub fn validated(self) -> Result<Self, InvalidProvider> {
        if let Some(url) = &self.base_url
            && (!(url.starts_with("http://") || url.starts_with("https://"))
                || url.chars().any(|c| c.is_whitespace() || is_hidden_char(c)))
        {
            return Err(InvalidProvider::BaseUrl(url.clone()));
        }
        for (i, model) in self.models.iter().enumerate() {
            model.check()?;
            if self.models[..i].iter().any(|other| other.name == model.name) {
                return Err(InvalidProvider::Model(format!("'{}' is listed twice", model.name)));
            }
        }
        if self.network.request_timeout.is_zero() || self.network.connect_timeout.is_zero() {
            return Err(InvalidProvider::Network("timeouts must be greater than zero".into()));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(base_url: Option<&str>, models: Vec<ModelSpec>) -> Provider {
        let now = Utc::now();
        Provider {
            name: ProviderName::parse("groq").unwrap(),
            kind: ProviderKind::OpenAi,
            base_url: base_url.map(str::to_owned),
            credential: Credential::Env("GROQ_API_KEY".into()),
            models,
            limits: ProviderLimits::default(),
            network: NetworkConfig::default(),
            enabled: true,
            source: ProviderSource::Api,
            discovered_models: vec![],
            models_refreshed_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn model(name: &str) -> ModelSpec {
        ModelSpec {
            name: name.into(),
            upstream_id: format!("{name}-upstream"),
            context_length: None,
            supports_tools: true,
            tier: None,
            fallbacks: vec![],
            price: ModelPrice::default(),
        }
    }

    #[test]
    fn kinds_and_tiers_parse_from_their_names_and_name_the_valid_ones() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(kind));
        }
        assert_eq!(
            "grpc".parse::<ProviderKind>().unwrap_err().to_string(),
            "Invalid provider type: 'grpc'. Valid types: openai, anthropic, ollama, mock"
        );
        for tier in ModelTier::ALL {
            assert_eq!(tier.as_str().parse::<ModelTier>(), Ok(tier));
        }
        assert!("turbo".parse::<ModelTier>().is_err());
    }

    #[test]
    fn the_base_url_defaults_by_kind_and_must_be_http() {
        assert_eq!(provider(None, vec![]).effective_base_url(), Some("https://api.openai.com/v1"));
        assert_eq!(
            provider(Some("ftp://x"), vec![]).validated().unwrap_err(),
            InvalidProvider::BaseUrl("ftp://x".into())
        );
        assert!(provider(Some("http://127.0.0.1:9/v1"), vec![]).validated().is_ok());
        assert!(provider(Some("http://a\u{0}b/v1"), vec![]).validated().is_err());
    }

    #[test]
    fn credentials_are_header_safe_and_variables_are_names() {
        assert_eq!(Credential::env("GROQ_API_KEY").unwrap(), Credential::Env("GROQ_API_KEY".into()));
        for bad in ["", "1KEY", "A-B", "A\u{0}B", "A B"] {
            assert!(Credential::env(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(Credential::stored("gsk_abc").unwrap(), Credential::Stored(_)));
        for bad in ["", "a b", "a\u{0}b", "a\nb"] {
            assert!(Credential::stored(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn models_must_be_named_once_and_not_fall_back_to_themselves() {
        assert!(provider(None, vec![model("a"), model("a")]).validated().is_err());
        let looping = ModelSpec { fallbacks: vec!["a".into()], ..model("a") };
        assert!(provider(None, vec![looping]).validated().is_err());
        assert!(provider(None, vec![model("has space")]).validated().is_err());
        assert!(provider(None, vec![model("nul\u{0}")]).validated().is_err());
        assert!(provider(None, vec![model("rtl\u{202E}")]).validated().is_err());
        assert!(provider(None, vec![model("ministral-3:3b"), model("deepseek-ai/v3")]).validated().is_ok());
    }

    #[test]
    fn network_seconds_apply_over_a_base_and_refuse_bad_timeouts() {
        let given = NetworkSeconds { request_timeout_seconds: Some(0.25), max_retries: Some(0), ..Default::default() };
        let network = given.over(NetworkConfig::default()).unwrap();
        assert_eq!(network.request_timeout, Duration::from_millis(250));
        assert_eq!((network.max_retries, network.connect_timeout), (0, Duration::from_secs(5)));
        let negative = NetworkSeconds { connect_timeout_seconds: Some(-1.0), ..Default::default() };
        assert_eq!(
            negative.over(NetworkConfig::default()).unwrap_err().to_string(),
            "Invalid network settings: connect_timeout_seconds must be a positive number of seconds"
        );
    }

    #[test]
    fn a_configured_model_is_named_by_its_id_unless_given_a_name() {
        let bare =
            ModelSpec::configured("llama-3.1-8b-instant".into(), None, None, None, Some("fast"), vec![]).unwrap();
        assert_eq!(
            (bare.name.as_str(), bare.supports_tools, bare.tier),
            ("llama-3.1-8b-instant", true, Some(ModelTier::Fast))
        );
        assert!(ModelSpec::configured("m".into(), None, None, None, Some("turbo"), vec![]).is_err());
    }

    #[test]
    fn secrets_never_print() {
        assert_eq!(format!("{:?}", ProviderSecret::new("sk-123")), "ProviderSecret([redacted])");
    }
}
