//! The tenant repository, with atomic provisioning (tenant, agents and first key in one transaction).

use std::collections::HashMap;

use ares_application::ports::{RepoError, TenantListing, TenantRepository};
use ares_domain::{Agent, ApiKey, AuditEntry, Tenant, TenantId, TenantStats, Tier};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::agents::AgentRow;
use super::api_keys::ApiKeyRow;
use super::audit::{AuditRow, write_audit};
use super::ledger::QuotaRow;
use super::{count, parse_stored, read_time, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::{agents, api_keys, tenant_quotas, tenants};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub(super) struct TenantRow {
    id: String,
    name: String,
    tier: String,
    product_type: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<&Tenant> for TenantRow {
    fn from(tenant: &Tenant) -> Self {
        TenantRow {
            id: tenant.id.to_string(),
            name: tenant.name.to_string(),
            tier: tenant.tier.as_str().to_owned(),
            product_type: tenant.product_type.map(|p| p.as_str().to_owned()),
            created_at: stored_time(tenant.created_at),
            updated_at: stored_time(tenant.updated_at),
        }
    }
}

impl TryFrom<TenantRow> for Tenant {
    type Error = RepoError;

    fn try_from(row: TenantRow) -> Result<Self, Self::Error> {
        Ok(Tenant {
            id: parse_stored("tenant id", row.id.parse())?,
            name: parse_stored("tenant name", ares_domain::TenantName::parse(&row.name))?,
            tier: parse_stored("tenant tier", row.tier.parse())?,
            product_type: row.product_type.map(|p| parse_stored("product type", p.parse())).transpose()?,
            created_at: read_time(row.created_at),
            updated_at: read_time(row.updated_at),
        })
    }
}

/// Tenants in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct TenantStore {
    db: Db,
}

impl TenantStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl TenantRepository for TenantStore {
    async fn insert(&self, tenant: &Tenant, audit: &AuditEntry) -> Result<(), RepoError> {
        let row = TenantRow::from(tenant);
        let quota = QuotaRow::new(tenant.id.into());
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(tenants::table).values(&row).execute(conn).await?;
                diesel::insert_into(tenant_quotas::table).values(&quota).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn provision(
        &self,
        tenant: &Tenant,
        agents: &[Agent],
        key: &ApiKey,
        audit: &AuditEntry,
    ) -> Result<(), RepoError> {
        let audit = AuditRow::from(audit);
        let tenant_row = TenantRow::from(tenant);
        let agent_rows = agents.iter().map(AgentRow::try_from).collect::<Result<Vec<_>, _>>()?;
        let key_row = ApiKeyRow::from(key);
        let quota = QuotaRow::new(tenant.id.into());
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(tenants::table).values(&tenant_row).execute(conn).await?;
                diesel::insert_into(tenant_quotas::table).values(&quota).execute(conn).await?;
                for agent in &agent_rows {
                    diesel::insert_into(agents::table).values(agent).execute(conn).await?;
                }
                diesel::insert_into(api_keys::table).values(&key_row).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn list(&self) -> Result<Vec<TenantListing>, RepoError> {
        let (rows, counts) = with_conn!(&self.db, |conn| {
            let rows: Vec<TenantRow> = tenants::table
                .order((tenants::created_at.asc(), tenants::name.asc()))
                .select(TenantRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?;
            let counts: Vec<(String, i64)> = agents::table
                .group_by(agents::tenant_id)
                .select((agents::tenant_id, count_star()))
                .load(conn)
                .await
                .map_err(query_error)?;
            (rows, counts)
        });
        let counts: HashMap<String, i64> = counts.into_iter().collect();
        rows.into_iter()
            .map(|row| {
                let agent_count = count(counts.get(&row.id).copied().unwrap_or(0));
                Ok(TenantListing { tenant: Tenant::try_from(row)?, agent_count })
            })
            .collect()
    }

    async fn find(&self, id: TenantId) -> Result<Option<Tenant>, RepoError> {
        let id = id.to_string();
        let row: Option<TenantRow> = with_conn!(&self.db, |conn| {
            tenants::table.find(&id).select(TenantRow::as_select()).first(conn).await.optional().map_err(query_error)?
        });
        row.map(Tenant::try_from).transpose()
    }

    async fn stats(&self, id: TenantId) -> Result<TenantStats, RepoError> {
        let id = id.to_string();
        let (agent_count, api_key_count) = with_conn!(&self.db, |conn| {
            let agent_count: i64 =
                agents::table.filter(agents::tenant_id.eq(&id)).count().get_result(conn).await.map_err(query_error)?;
            let api_key_count: i64 = api_keys::table
                .filter(api_keys::tenant_id.eq(&id).and(api_keys::revoked.eq(false)))
                .count()
                .get_result(conn)
                .await
                .map_err(query_error)?;
            (agent_count, api_key_count)
        });
        Ok(TenantStats { agent_count: count(agent_count), api_key_count: count(api_key_count) })
    }

    async fn set_tier(
        &self,
        id: TenantId,
        tier: Tier,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Option<Tenant>, RepoError> {
        let id = id.to_string();
        let audit = AuditRow::from(audit);
        let row: Option<TenantRow> = with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let row = diesel::update(tenants::table.find(&id))
                    .set((tenants::tier.eq(tier.as_str()), tenants::updated_at.eq(stored_time(now))))
                    .returning(TenantRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                if row.is_some() {
                    write_audit!(conn, &audit)?;
                }
                Ok(row)
            })
            .map_err(query_error)?
        });
        row.map(Tenant::try_from).transpose()
    }

    async fn count(&self) -> Result<u64, RepoError> {
        let total: i64 =
            with_conn!(&self.db, |conn| tenants::table.count().get_result(conn).await.map_err(query_error)?);
        Ok(count(total))
    }
}
