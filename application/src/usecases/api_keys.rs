//! API key use cases for operators: issue a key to a tenant, list a tenant's keys.

use std::sync::Arc;

use ares_domain::{Actor, ApiKey, ApiKeyId, AuditEntry, KeyLabel, KeyLifetime, Page, RawApiKey, TenantId};
use chrono::Duration;

use super::auth::Authenticator;
use crate::ports::{ApiKeyRepository, Clock, KeyGenerator, RepoError, TenantRepository};

/// What a key operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("Tenant not found")]
    TenantNotFound,
    #[error("API key not found")]
    NotFound,
    /// The tenant has as many live keys as it may have.
    #[error("API key limit reached: a tenant may have at most {0} live keys. Revoke one to make another")]
    LimitReached(u64),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for ApiKeyError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(conflict) => Self::Unexpected(anyhow::anyhow!("unexpected conflict: {conflict:?}")),
            RepoError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// A freshly issued key: the stored record and the only copy of the key in clear.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub key: ApiKey,
    pub raw_key: RawApiKey,
}

/// API key administration.
#[derive(Clone)]
pub struct ApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
    tenants: Arc<dyn TenantRepository>,
    generator: Arc<dyn KeyGenerator>,
    auth: Arc<Authenticator>,
    clock: Arc<dyn Clock>,
    max_live: u64,
}

/// A page of a tenant's keys, and how many there are in all.
#[derive(Debug, Clone)]
pub struct KeyPage {
    pub keys: Vec<ApiKey>,
    pub total: u64,
}

impl ApiKeys {
    /// A revoked key is dropped from `auth`'s cache at once. A tenant may hold at most `max_live` live keys.
    #[must_use]
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        tenants: Arc<dyn TenantRepository>,
        generator: Arc<dyn KeyGenerator>,
        auth: Arc<Authenticator>,
        clock: Arc<dyn Clock>,
        max_live: u64,
    ) -> Self {
        Self { keys, tenants, generator, auth, clock, max_live }
    }

    /// Issues a new key to the tenant, valid for `lifetime` when given, forever otherwise.
    ///
    /// # Errors
    /// `TenantNotFound` when there is no such tenant; `LimitReached` when it holds as many live keys as it may.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id))]
    pub async fn issue(
        &self,
        tenant_id: TenantId,
        name: KeyLabel,
        lifetime: Option<KeyLifetime>,
        actor: &Actor,
    ) -> Result<IssuedKey, ApiKeyError> {
        self.tenants.find(tenant_id).await?.ok_or(ApiKeyError::TenantNotFound)?;
        let now = self.clock.now();
        let expires_at = lifetime.map(|lifetime| now + Duration::days(i64::from(lifetime.days())));
        let raw_key = self.generator.generate();
        let key = ApiKey::issue(tenant_id, name.to_string(), &raw_key, now, expires_at);
        let audit = AuditEntry::new(actor, "api_key.created", now)
            .tenant(tenant_id)
            .target("api_key", key.id)
            .detail("name", key.name.clone())
            .detail("prefix", key.prefix.clone())
            .detail("expires_at", key.expires_at.map(|at| at.to_rfc3339()));
        if !self.keys.insert(&key, self.max_live, &audit).await? {
            return Err(ApiKeyError::LimitReached(self.max_live));
        }
        Ok(IssuedKey { key, raw_key })
    }

    /// One page of the tenant's keys, oldest first, by prefix only (without the revoked ones when `live_only`).
    ///
    /// # Errors
    /// `TenantNotFound` when there is no such tenant.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id))]
    pub async fn list(&self, tenant_id: TenantId, live_only: bool, page: Page) -> Result<KeyPage, ApiKeyError> {
        self.tenants.find(tenant_id).await?.ok_or(ApiKeyError::TenantNotFound)?;
        let (keys, total) = self.keys.page(tenant_id, live_only, page).await?;
        Ok(KeyPage { keys, total })
    }
}

impl ApiKeys {
    /// Revokes the tenant's live key `id`: it stops working at once on this instance (it leaves the
    /// authenticator's cache) and within the cache's lifetime everywhere else.
    ///
    /// # Errors
    /// `NotFound` when the tenant has no such live key (another tenant's key included).
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant_id, api_key.id = %id))]
    pub async fn revoke(&self, tenant_id: TenantId, id: ApiKeyId, actor: &Actor) -> Result<(), ApiKeyError> {
        let audit = AuditEntry::new(actor, "api_key.revoked", self.clock.now()).tenant(tenant_id).target("api_key", id);
        let revoked = self.keys.revoke(tenant_id, id, &audit).await?;
        self.auth.forget_key(id);
        if revoked { Ok(()) } else { Err(ApiKeyError::NotFound) }
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{Tenant, TenantName, Tier};
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ports::{MockApiKeyRepository, MockClock, MockKeyGenerator, MockTenantRepository};

    fn tenants(exists: bool) -> MockTenantRepository {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_find().returning(move |_| {
            Ok(exists.then(|| Tenant::new(TenantName::parse("acme").unwrap(), Tier::Pro, None, Utc::now())))
        });
        tenants
    }

    fn service(keys: MockApiKeyRepository, exists: bool) -> ApiKeys {
        let mut generator = MockKeyGenerator::new();
        generator.expect_generate().returning(|| RawApiKey::from_random("x7k9m2p4q8r1s5t3x7k9m2p4q8r1s5t3").unwrap());
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Utc.with_ymd_and_hms(2026, 3, 13, 0, 0, 0).unwrap());
        let clock: Arc<MockClock> = Arc::new(clock);
        let auth = Arc::new(Authenticator::new(
            Arc::new(MockApiKeyRepository::new()),
            clock.clone(),
            Duration::seconds(1).to_std().unwrap(),
        ));
        ApiKeys::new(Arc::new(keys), Arc::new(tenants(exists)), Arc::new(generator), auth, clock, 3)
    }

    #[tokio::test]
    async fn issue_stores_only_the_hash_and_computes_the_expiry() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert()
            .withf(|key, max_live, audit| {
                key.hash.as_ref() != "ares_x7k9m2p4q8r1s5t3x7k9m2p4q8r1s5t3"
                    && key.prefix == "ares_x7k9"
                    && *max_live == 3
                    && audit.action == "api_key.created"
                    && audit.actor == "ares_a1b2"
                    && !serde_json::to_string(&audit.details).unwrap().contains(key.hash.as_ref())
            })
            .times(1)
            .returning(|_, _, _| Ok(true));
        let caller = Actor::Key("ares_a1b2".into());
        let issued = service(keys, true)
            .issue(TenantId::new(), KeyLabel::parse("staging").unwrap(), Some(KeyLifetime::parse(30).unwrap()), &caller)
            .await
            .unwrap();
        assert_eq!(issued.key.expires_at, Some(Utc.with_ymd_and_hms(2026, 4, 12, 0, 0, 0).unwrap()));
        assert_eq!(issued.raw_key.hash(), issued.key.hash);
    }

    #[tokio::test]
    async fn issue_for_an_unknown_tenant_writes_nothing() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().never();
        let err = service(keys, false)
            .issue(TenantId::new(), KeyLabel::parse("k").unwrap(), None, &Actor::Admin)
            .await
            .unwrap_err();
        assert!(matches!(err, ApiKeyError::TenantNotFound));
    }

    #[tokio::test]
    async fn a_tenant_at_its_key_limit_gets_no_more() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().times(1).returning(|_, _, _| Ok(false));
        let err = service(keys, true)
            .issue(TenantId::new(), KeyLabel::parse("k").unwrap(), None, &Actor::Admin)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "API key limit reached: a tenant may have at most 3 live keys. Revoke one to make another"
        );
    }

    #[tokio::test]
    async fn revoking_a_key_the_tenant_does_not_hold_is_not_found() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_revoke().returning(|_, _, _| Ok(false));
        let err = service(keys, true).revoke(TenantId::new(), ApiKeyId::new(), &Actor::Admin).await.unwrap_err();
        assert_eq!(err.to_string(), "API key not found");
    }

    #[tokio::test]
    async fn list_for_an_unknown_tenant_is_not_found() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_page().never();
        let err = service(keys, false).list(TenantId::new(), true, Page::parse(None, None).unwrap()).await.unwrap_err();
        assert!(matches!(err, ApiKeyError::TenantNotFound));
    }
}
