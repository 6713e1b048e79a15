//! Tenant use cases: create, list, inspect, and change tier.

use std::sync::Arc;

use ares_domain::{Actor, AuditEntry, Period, Tenant, TenantId, TenantName, TenantStats, Tier};

use super::auth::Authenticator;
use crate::ports::{Clock, Conflict, MonthlyUsage, RepoError, TenantListing, TenantRepository, UsageLedger};

/// What a tenant operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("Tenant with name '{0}' already exists")]
    Duplicate(TenantName),
    #[error("Tenant not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for TenantError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(conflict) => Self::Unexpected(anyhow::anyhow!("unexpected conflict: {conflict:?}")),
            RepoError::Unexpected(err) => Self::Unexpected(err),
        }
    }
}

/// A tenant with its figures: the tenant details view. Its usage is the ledger's figures for the current month,
/// the same ones `/v1/usage` shows the tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantDetails {
    pub tenant: Tenant,
    pub stats: TenantStats,
    pub usage: MonthlyUsage,
}

/// Tenant administration.
#[derive(Clone)]
pub struct Tenants {
    tenants: Arc<dyn TenantRepository>,
    ledger: Arc<dyn UsageLedger>,
    auth: Arc<Authenticator>,
    clock: Arc<dyn Clock>,
}

impl Tenants {
    /// A tier change drops the tenant's keys from `auth`'s cache, so its next request reads the new tier.
    #[must_use]
    pub fn new(
        tenants: Arc<dyn TenantRepository>,
        ledger: Arc<dyn UsageLedger>,
        auth: Arc<Authenticator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { tenants, ledger, auth, clock }
    }

    /// Creates a bare tenant (no agents, no keys).
    ///
    /// # Errors
    /// `Duplicate` when the name is taken.
    #[tracing::instrument(skip_all, fields(tenant.name = %name, tenant.tier = %tier))]
    pub async fn create(&self, name: TenantName, tier: Tier, actor: &Actor) -> Result<Tenant, TenantError> {
        let tenant = Tenant::new(name, tier, None, self.clock.now());
        let audit = AuditEntry::new(actor, "tenant.created", tenant.created_at)
            .tenant(tenant.id)
            .target("tenant", tenant.id)
            .detail("tenant_name", tenant.name.to_string())
            .detail("tier", tier.as_str());
        match self.tenants.insert(&tenant, &audit).await {
            Ok(()) => Ok(tenant),
            Err(RepoError::Conflict(Conflict::TenantName)) => Err(TenantError::Duplicate(tenant.name)),
            Err(err) => Err(err.into()),
        }
    }

    /// Every tenant with its agent count.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn list(&self) -> Result<Vec<TenantListing>, TenantError> {
        Ok(self.tenants.list().await?)
    }

    /// One tenant with its figures.
    ///
    /// # Errors
    /// `NotFound` when there is no such tenant.
    #[tracing::instrument(skip_all, fields(tenant.id = %id))]
    pub async fn details(&self, id: TenantId) -> Result<TenantDetails, TenantError> {
        let tenant = self.tenants.find(id).await?.ok_or(TenantError::NotFound)?;
        self.with_figures(tenant).await
    }

    async fn with_figures(&self, tenant: Tenant) -> Result<TenantDetails, TenantError> {
        let stats = self.tenants.stats(tenant.id).await?;
        let usage = self.ledger.month(tenant.id.into(), &Period::at(self.clock.now())).await?;
        Ok(TenantDetails { tenant, stats, usage })
    }

    /// Moves a tenant to another tier; its quotas change from the next request on.
    ///
    /// # Errors
    /// `NotFound` when there is no such tenant.
    #[tracing::instrument(skip_all, fields(tenant.id = %id, tenant.tier = %tier))]
    pub async fn change_tier(&self, id: TenantId, tier: Tier, actor: &Actor) -> Result<TenantDetails, TenantError> {
        let current = self.tenants.find(id).await?.ok_or(TenantError::NotFound)?;
        if current.tier == tier {
            return self.with_figures(current).await;
        }
        let now = self.clock.now();
        let audit = AuditEntry::new(actor, "tenant.tier_changed", now)
            .tenant(id)
            .target("tenant", id)
            .detail("from", current.tier.as_str())
            .detail("tier", tier.as_str());
        let tenant = self.tenants.set_tier(id, tier, now, &audit).await?.ok_or(TenantError::NotFound)?;
        self.auth.forget_tenant(id);
        self.with_figures(tenant).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ports::{MockApiKeyRepository, MockClock, MockTenantRepository, MockUsageLedger};

    fn clock() -> Arc<MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Utc.with_ymd_and_hms(2026, 3, 13, 0, 0, 0).unwrap());
        Arc::new(clock)
    }

    fn service(repo: MockTenantRepository) -> Tenants {
        let auth =
            Authenticator::new(Arc::new(MockApiKeyRepository::new()), clock(), std::time::Duration::from_secs(1));
        Tenants::new(Arc::new(repo), Arc::new(MockUsageLedger::new()), Arc::new(auth), clock())
    }

    fn name(raw: &str) -> TenantName {
        TenantName::parse(raw).unwrap()
    }

    #[tokio::test]
    async fn create_stores_the_tenant_with_the_clock_time() {
        let mut repo = MockTenantRepository::new();
        repo.expect_insert()
            .withf(|t, audit| {
                t.name.as_ref() == "acme-corp"
                    && t.tier == Tier::Pro
                    && t.product_type.is_none()
                    && audit.action == "tenant.created"
                    && audit.actor == "admin"
                    && audit.details["tenant_name"] == "acme-corp"
                    && audit.details["tier"] == "pro"
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let tenant = service(repo).create(name("acme-corp"), Tier::Pro, &Actor::Admin).await.unwrap();
        assert_eq!(tenant.created_at, Utc.with_ymd_and_hms(2026, 3, 13, 0, 0, 0).unwrap());
    }

    #[tokio::test]
    async fn create_reports_a_taken_name_as_duplicate() {
        let mut repo = MockTenantRepository::new();
        repo.expect_insert().returning(|_, _| Err(RepoError::Conflict(Conflict::TenantName)));
        let err = service(repo).create(name("acme-corp"), Tier::Pro, &Actor::Admin).await.unwrap_err();
        assert_eq!(err.to_string(), "Tenant with name 'acme-corp' already exists");
    }

    #[tokio::test]
    async fn details_of_an_unknown_tenant_is_not_found() {
        let mut repo = MockTenantRepository::new();
        repo.expect_find().returning(|_| Ok(None));
        repo.expect_stats().never();
        let err = service(repo).details(TenantId::new()).await.unwrap_err();
        assert!(matches!(err, TenantError::NotFound));
    }

    #[tokio::test]
    async fn change_tier_of_an_unknown_tenant_is_not_found() {
        let mut repo = MockTenantRepository::new();
        repo.expect_find().returning(|_| Ok(None));
        repo.expect_set_tier().never();
        let err = service(repo).change_tier(TenantId::new(), Tier::Enterprise, &Actor::Admin).await.unwrap_err();
        assert!(matches!(err, TenantError::NotFound));
    }
}
