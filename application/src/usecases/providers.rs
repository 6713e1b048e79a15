//! Provider administration at runtime: providers are stored, so every instance sharing the store routes the same
//! way, and each change is applied to the router at once, without a restart. Providers from `ares.toml` are
//! mirrored into the store at start-up; through the API they can be enabled, disabled and have their models
//! discovered, but their definition lives in the file.

use std::sync::Arc;

use ares_domain::{
    Actor, AuditEntry, Credential, InvalidProvider, ModelSpec, NetworkConfig, NetworkSeconds, Provider, ProviderKind,
    ProviderLimits, ProviderName, ProviderSource,
};
use futures_util::lock::Mutex;

use super::router::{ModelRouter, ProviderStatus};
use crate::ports::{Clock, Conflict, ProviderRepository, RepoError};

/// What a provider operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ProvidersError {
    #[error("Provider not found: {0}")]
    NotFound(String),
    #[error("Provider with id '{0}' already exists")]
    Duplicate(ProviderName),
    #[error("Provider '{0}' is defined in ares.toml: change it there (it can still be enabled or disabled here)")]
    ReadOnly(ProviderName),
    #[error("Model '{model}' is already served by provider '{provider}'")]
    ModelTaken { model: String, provider: ProviderName },
    #[error(transparent)]
    Invalid(#[from] InvalidProvider),
    #[error("Provider '{provider}' could not list its models: {reason}")]
    Discovery { provider: ProviderName, reason: String },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for ProvidersError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(conflict) => Self::Unexpected(anyhow::anyhow!("unexpected conflict: {conflict:?}")),
            RepoError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// A provider defined through the API.
#[derive(Debug, Clone)]
pub struct NewProvider {
    pub name: ProviderName,
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    pub credential: Credential,
    pub models: Vec<ModelSpec>,
    pub limits: ProviderLimits,
    pub network: NetworkConfig,
    pub enabled: bool,
}

/// The fields of a provider to change; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct ProviderPatch {
    pub kind: Option<ProviderKind>,
    pub base_url: Option<String>,
    pub credential: Option<Credential>,
    pub models: Option<Vec<ModelSpec>>,
    pub requests_per_day: Option<Option<u64>>,
    pub tokens_per_minute: Option<Option<u64>>,
    pub network: Option<NetworkSeconds>,
    pub enabled: Option<bool>,
}

/// The names of the fields that differ between `before` and `after`, for the audit log (a new credential is named,
/// never shown).
fn changed_fields(before: &Provider, after: &Provider) -> Vec<&'static str> {
    [
        ("type", before.kind != after.kind),
        ("base_url", before.base_url != after.base_url),
        ("credential", before.credential != after.credential),
        ("models", before.models != after.models),
        ("limits", before.limits != after.limits),
        ("network", before.network != after.network),
        ("enabled", before.enabled != after.enabled),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

/// A provider with what the router knows of it.
#[derive(Debug, Clone)]
pub struct ProviderDetails {
    pub provider: Provider,
    pub status: Option<ProviderStatus>,
}

/// Provider administration.
pub struct Providers {
    repo: Arc<dyn ProviderRepository>,
    router: Arc<ModelRouter>,
    clock: Arc<dyn Clock>,
    /// Serializes "read the store, rebuild the router", so an older read never replaces a newer one.
    reloading: Mutex<()>,
    /// Whether the store can keep an API key (it has an encryption key to seal it with).
    keeps_keys: bool,
}

/// Why an API key given through the API cannot be kept.
const NO_ENCRYPTION_KEY: &str = "api_key cannot be stored without an encryption key: set ARES_ENCRYPTION_KEY to 32 \
     random bytes in base64 (openssl rand -base64 32), or give api_key_env, the variable that holds the key";

impl Providers {
    #[must_use]
    pub fn new(repo: Arc<dyn ProviderRepository>, router: Arc<ModelRouter>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, router, clock, reloading: Mutex::new(()), keeps_keys: true }
    }

    /// The store has no encryption key: a provider given an `api_key` is refused (422), never stored in clear.
    #[must_use]
    pub fn without_stored_keys(mut self) -> Self {
        self.keeps_keys = false;
        self
    }

    fn check_keepable(&self, credential: Option<&Credential>) -> Result<(), ProvidersError> {
        match credential {
            Some(Credential::Stored(_)) if !self.keeps_keys => {
                Err(ProvidersError::Invalid(InvalidProvider::Credential(NO_ENCRYPTION_KEY)))
            }
            _ => Ok(()),
        }
    }

    /// Mirrors the configured providers into the store and routes with the stored set.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    #[tracing::instrument(skip_all, fields(providers.count = configured.len()))]
    pub async fn seed(&self, configured: &[Provider]) -> Result<(), ProvidersError> {
        self.repo.sync_configured(configured).await?;
        self.reload().await
    }

    /// Routes with the providers in the store: after a change here, or periodically to pick up the changes of
    /// other instances.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; the router keeps its providers then.
    pub async fn reload(&self) -> Result<(), ProvidersError> {
        let _guard = self.reloading.lock().await;
        self.router.reload(self.repo.list().await?);
        Ok(())
    }

    /// Every provider, with its live state.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn list(&self) -> Result<Vec<ProviderDetails>, ProvidersError> {
        let providers = self.repo.list().await?;
        Ok(providers.into_iter().map(|provider| self.details(provider)).collect())
    }

    /// One provider, with its live state.
    ///
    /// # Errors
    /// `NotFound` when there is no such provider.
    pub async fn get(&self, name: &str) -> Result<ProviderDetails, ProvidersError> {
        Ok(self.details(self.find(name).await?))
    }

    /// Defines a provider and starts routing to it.
    ///
    /// # Errors
    /// `Duplicate`, `ModelTaken` when another provider serves one of its model names, `Invalid`.
    #[tracing::instrument(skip_all, fields(provider = %new.name))]
    pub async fn create(&self, new: NewProvider, actor: &Actor) -> Result<ProviderDetails, ProvidersError> {
        self.check_keepable(Some(&new.credential))?;
        let now = self.clock.now();
        let provider = Provider {
            name: new.name,
            kind: new.kind,
            base_url: new.base_url,
            credential: new.credential,
            models: new.models,
            limits: new.limits,
            network: new.network,
            enabled: new.enabled,
            source: ProviderSource::Api,
            discovered_models: Vec::new(),
            models_refreshed_at: None,
            created_at: now,
            updated_at: now,
        }
        .validated()?;
        self.check_model_names(&provider).await?;
        let audit = audited(actor, "provider.created", &provider)
            .detail("kind", provider.kind.as_str())
            .detail("models", provider.models.iter().map(|m| m.name.clone()).collect::<Vec<_>>());
        match self.repo.insert(&provider, &audit).await {
            Ok(()) => {}
            Err(RepoError::Conflict(Conflict::ProviderName)) => return Err(ProvidersError::Duplicate(provider.name)),
            Err(err) => return Err(err.into()),
        }
        self.applied(provider).await
    }

    /// Changes the fields given in `patch`.
    ///
    /// # Errors
    /// `NotFound`, `ReadOnly` for a configured provider, `ModelTaken`, `Invalid`.
    #[tracing::instrument(skip_all, fields(provider = %name))]
    pub async fn update(
        &self,
        name: &str,
        patch: ProviderPatch,
        actor: &Actor,
    ) -> Result<ProviderDetails, ProvidersError> {
        let mut provider = self.find(name).await?;
        if provider.source == ProviderSource::Config {
            return Err(ProvidersError::ReadOnly(provider.name));
        }
        self.check_keepable(patch.credential.as_ref())?;
        let before = provider.clone();
        provider.kind = patch.kind.unwrap_or(provider.kind);
        provider.base_url = patch.base_url.or(provider.base_url);
        provider.credential = patch.credential.unwrap_or(provider.credential);
        provider.models = patch.models.unwrap_or(provider.models);
        provider.limits.requests_per_day = patch.requests_per_day.unwrap_or(provider.limits.requests_per_day);
        provider.limits.tokens_per_minute = patch.tokens_per_minute.unwrap_or(provider.limits.tokens_per_minute);
        if let Some(network) = patch.network {
            provider.network = network.over(provider.network)?;
        }
        provider.enabled = patch.enabled.unwrap_or(provider.enabled);
        provider.updated_at = self.clock.now();
        let provider = provider.validated()?;
        let changed = changed_fields(&before, &provider);
        if changed.is_empty() {
            return Ok(self.details(before));
        }
        self.check_model_names(&provider).await?;
        let audit = audited(actor, "provider.updated", &provider).detail("changed", changed);
        self.store(provider, &audit).await
    }

    /// Removes a provider defined through the API.
    ///
    /// # Errors
    /// `NotFound`, `ReadOnly` for a configured provider.
    #[tracing::instrument(skip_all, fields(provider = %name))]
    pub async fn delete(&self, name: &str, actor: &Actor) -> Result<(), ProvidersError> {
        let provider = self.find(name).await?;
        if provider.source == ProviderSource::Config {
            return Err(ProvidersError::ReadOnly(provider.name));
        }
        let audit = AuditEntry { at: self.clock.now(), ..audited(actor, "provider.deleted", &provider) };
        if !self.repo.delete(&provider.name, &audit).await? {
            return Err(ProvidersError::NotFound(name.to_owned()));
        }
        self.reload().await
    }

    /// Lets requests reach the provider again, or stops them; configured providers included.
    ///
    /// # Errors
    /// `NotFound`.
    #[tracing::instrument(skip_all, fields(provider = %name, enabled))]
    pub async fn set_enabled(
        &self,
        name: &str,
        enabled: bool,
        actor: &Actor,
    ) -> Result<ProviderDetails, ProvidersError> {
        let mut provider = self.find(name).await?;
        if provider.enabled == enabled {
            return Ok(self.details(provider));
        }
        provider.enabled = enabled;
        provider.updated_at = self.clock.now();
        let audit = audited(actor, if enabled { "provider.enabled" } else { "provider.disabled" }, &provider);
        self.store(provider, &audit).await
    }

    /// Asks the upstream which models it serves and keeps the list; those models become routable by their id.
    ///
    /// # Errors
    /// `NotFound`, or `Discovery` when the upstream cannot be asked or does not answer.
    #[tracing::instrument(skip_all, fields(provider = %name))]
    pub async fn refresh_models(&self, name: &str, actor: &Actor) -> Result<ProviderDetails, ProvidersError> {
        let mut provider = self.find(name).await?;
        let discovery = |reason: String| ProvidersError::Discovery { provider: provider.name.clone(), reason };
        let client = self.router.client(&provider.name).map_err(discovery)?;
        let models = client.list_models().await.map_err(|err| discovery(err.to_string()))?;
        let now = self.clock.now();
        provider.discovered_models = models;
        provider.models_refreshed_at = Some(now);
        provider.updated_at = now;
        let audit = audited(actor, "provider.models_refreshed", &provider)
            .detail("discovered_models", provider.discovered_models.len());
        self.store(provider, &audit).await
    }

    async fn find(&self, name: &str) -> Result<Provider, ProvidersError> {
        let not_found = || ProvidersError::NotFound(name.to_owned());
        let name = ProviderName::parse(name).map_err(|_| not_found())?;
        self.repo.find(&name).await?.ok_or_else(not_found)
    }

    async fn store(&self, provider: Provider, audit: &AuditEntry) -> Result<ProviderDetails, ProvidersError> {
        if !self.repo.update(&provider, audit).await? {
            return Err(ProvidersError::NotFound(provider.name.to_string()));
        }
        self.applied(provider).await
    }

    async fn applied(&self, provider: Provider) -> Result<ProviderDetails, ProvidersError> {
        self.reload().await?;
        Ok(self.details(provider))
    }

    async fn check_model_names(&self, provider: &Provider) -> Result<(), ProvidersError> {
        for other in self.repo.list().await?.into_iter().filter(|p| p.name != provider.name) {
            if let Some(taken) = provider.models.iter().find(|m| other.models.iter().any(|o| o.name == m.name)) {
                return Err(ProvidersError::ModelTaken { model: taken.name.clone(), provider: other.name });
            }
        }
        Ok(())
    }

    fn details(&self, provider: Provider) -> ProviderDetails {
        let status = self.router.provider_status(&provider.name);
        ProviderDetails { provider, status }
    }
}

/// An entry about `provider`, made when it was last updated. Never its credential: only its name and state.
fn audited(actor: &Actor, action: &str, provider: &Provider) -> AuditEntry {
    AuditEntry::new(actor, action, provider.updated_at)
        .target("provider", &provider.name)
        .detail("provider", provider.name.to_string())
        .detail("enabled", provider.enabled)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::ports::{MockChatModel, MockClock, MockProviderConnector, MockProviderRepository, MockTimer};
    use crate::usecases::RoutingPolicy;

    fn provider(name: &str, source: ProviderSource, models: &[&str]) -> Provider {
        let now = Utc::now();
        Provider {
            name: ProviderName::parse(name).unwrap(),
            kind: ProviderKind::OpenAi,
            base_url: Some("http://127.0.0.1:9/v1".into()),
            credential: Credential::None,
            models: models
                .iter()
                .map(|m| ModelSpec {
                    name: (*m).into(),
                    upstream_id: (*m).into(),
                    context_length: None,
                    supports_tools: true,
                    tier: None,
                    fallbacks: vec![],
                    price: ares_domain::ModelPrice::default(),
                })
                .collect(),
            limits: ProviderLimits::default(),
            network: NetworkConfig::default(),
            enabled: true,
            source,
            discovered_models: vec![],
            models_refreshed_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn service(repo: MockProviderRepository) -> Providers {
        let mut clock = MockClock::new();
        clock.expect_now().returning(Utc::now);
        let clock = Arc::new(clock);
        let mut connector = MockProviderConnector::new();
        connector.expect_connect().returning(|_| {
            let mut client = MockChatModel::new();
            client.expect_list_models().returning(|| Ok(vec!["m1".into(), "m2".into()]));
            Ok(Arc::new(client))
        });
        let router = Arc::new(ModelRouter::new(
            Arc::new(connector),
            clock.clone(),
            Arc::new(MockTimer::new()),
            RoutingPolicy::default(),
        ));
        Providers::new(Arc::new(repo), router, clock)
    }

    fn new_provider(name: &str, models: &[&str]) -> NewProvider {
        let p = provider(name, ProviderSource::Api, models);
        NewProvider {
            name: p.name,
            kind: p.kind,
            base_url: p.base_url,
            credential: p.credential,
            models: p.models,
            limits: p.limits,
            network: p.network,
            enabled: true,
        }
    }

    #[tokio::test]
    async fn a_configured_provider_cannot_be_edited_or_deleted_through_the_api() {
        let mut repo = MockProviderRepository::new();
        repo.expect_find().returning(|_| Ok(Some(provider("groq", ProviderSource::Config, &[]))));
        repo.expect_update().never();
        repo.expect_delete().never();
        let service = service(repo);
        let err = service.update("groq", ProviderPatch::default(), &Actor::Admin).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "Provider 'groq' is defined in ares.toml: change it there (it can still be enabled or disabled here)"
        );
        assert!(matches!(service.delete("groq", &Actor::Admin).await, Err(ProvidersError::ReadOnly(_))));
    }

    #[tokio::test]
    async fn a_configured_provider_can_be_disabled_and_the_router_sees_it_at_once() {
        let mut repo = MockProviderRepository::new();
        repo.expect_find().returning(|_| Ok(Some(provider("groq", ProviderSource::Config, &["llama"]))));
        repo.expect_update()
            .withf(|p, audit| !p.enabled && audit.action == "provider.disabled")
            .times(1)
            .returning(|_, _| Ok(true));
        let mut disabled = provider("groq", ProviderSource::Config, &["llama"]);
        disabled.enabled = false;
        repo.expect_list().returning(move || Ok(vec![disabled.clone()]));
        let details = service(repo).set_enabled("groq", false, &Actor::Admin).await.unwrap();
        let status = details.status.unwrap();
        assert_eq!((status.available, status.reason.as_deref()), (false, Some("disabled by an operator")));
    }

    #[tokio::test]
    async fn a_model_name_served_by_another_provider_is_refused() {
        let mut repo = MockProviderRepository::new();
        repo.expect_list().returning(|| Ok(vec![provider("groq", ProviderSource::Config, &["llama"])]));
        repo.expect_insert().never();
        let err = service(repo).create(new_provider("mine", &["llama"]), &Actor::Admin).await.unwrap_err();
        assert_eq!(err.to_string(), "Model 'llama' is already served by provider 'groq'");
    }

    #[tokio::test]
    async fn a_taken_provider_name_is_a_duplicate() {
        let mut repo = MockProviderRepository::new();
        repo.expect_list().returning(|| Ok(vec![]));
        repo.expect_insert().returning(|_, _| Err(RepoError::Conflict(Conflict::ProviderName)));
        let err = service(repo).create(new_provider("groq", &[]), &Actor::Admin).await.unwrap_err();
        assert_eq!(err.to_string(), "Provider with id 'groq' already exists");
    }

    #[tokio::test]
    async fn refreshing_models_stores_what_the_upstream_lists() {
        let mut repo = MockProviderRepository::new();
        repo.expect_find().returning(|_| Ok(Some(provider("local", ProviderSource::Api, &[]))));
        repo.expect_list().returning(|| Ok(vec![provider("local", ProviderSource::Api, &[])]));
        repo.expect_update()
            .withf(|p, _| p.discovered_models == ["m1", "m2"] && p.models_refreshed_at.is_some())
            .times(1)
            .returning(|_, _| Ok(true));
        let service = service(repo);
        service.reload().await.unwrap();
        let details = service.refresh_models("local", &Actor::Admin).await.unwrap();
        assert_eq!(details.provider.discovered_models, ["m1", "m2"]);
    }

    #[tokio::test]
    async fn an_unknown_or_malformed_name_is_not_found() {
        let mut repo = MockProviderRepository::new();
        repo.expect_find().returning(|_| Ok(None));
        let service = service(repo);
        assert_eq!(service.get("ghost").await.unwrap_err().to_string(), "Provider not found: ghost");
        assert!(matches!(service.get("no spaces").await, Err(ProvidersError::NotFound(_))));
    }
}
