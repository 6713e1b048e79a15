//! The API key repository: hashes only, every query filtered on the tenant id.

use ares_application::ports::{ApiKeyRepository, RepoError};
use ares_domain::{ApiKey, ApiKeyId, AuditEntry, KeyHash, Page, TenantId, Tier};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::audit::{AuditRow, write_audit};
use super::{count, parse_stored, read_time, stored_count, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::{api_keys, tenants};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub(super) struct ApiKeyRow {
    id: String,
    tenant_id: String,
    name: String,
    prefix: String,
    key_hash: String,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    last_used: Option<NaiveDateTime>,
    revoked: bool,
}

impl From<&ApiKey> for ApiKeyRow {
    fn from(key: &ApiKey) -> Self {
        ApiKeyRow {
            id: key.id.to_string(),
            tenant_id: key.tenant_id.to_string(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            key_hash: key.hash.as_ref().to_owned(),
            created_at: stored_time(key.created_at),
            expires_at: key.expires_at.map(stored_time),
            last_used: key.last_used.map(stored_time),
            revoked: key.revoked,
        }
    }
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = RepoError;

    fn try_from(row: ApiKeyRow) -> Result<Self, Self::Error> {
        Ok(ApiKey {
            id: parse_stored("api key id", row.id.parse())?,
            tenant_id: parse_stored("api key tenant id", row.tenant_id.parse())?,
            name: row.name,
            prefix: row.prefix,
            hash: KeyHash::from_stored(row.key_hash),
            created_at: read_time(row.created_at),
            expires_at: row.expires_at.map(read_time),
            last_used: row.last_used.map(read_time),
            revoked: row.revoked,
        })
    }
}

/// API keys in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct ApiKeyStore {
    db: Db,
}

impl ApiKeyStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ApiKeyRepository for ApiKeyStore {
    async fn insert(&self, key: &ApiKey, max_live: u64, audit: &AuditEntry) -> Result<bool, RepoError> {
        let row = ApiKeyRow::from(key);
        let audit = AuditRow::from(audit);
        let max_live = stored_count(max_live);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                // Takes the tenant's row first: concurrent inserts for one tenant wait here for each other (on
                // SQLite, the write lock), so each counts the keys the others made.
                diesel::update(tenants::table.find(&row.tenant_id))
                    .set(tenants::updated_at.eq(tenants::updated_at))
                    .execute(conn)
                    .await?;
                let live: i64 = api_keys::table
                    .filter(api_keys::tenant_id.eq(&row.tenant_id).and(api_keys::revoked.eq(false)))
                    .filter(api_keys::expires_at.is_null().or(api_keys::expires_at.gt(row.created_at)))
                    .count()
                    .get_result(conn)
                    .await?;
                if live >= max_live {
                    return Ok(false);
                }
                diesel::insert_into(api_keys::table).values(&row).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(true)
            })
            .map_err(query_error)
        })
    }

    async fn page(&self, tenant_id: TenantId, live_only: bool, page: Page) -> Result<(Vec<ApiKey>, u64), RepoError> {
        let tenant_id = tenant_id.to_string();
        let (offset, limit) = (stored_count(page.offset()), stored_count(page.size()));
        let (rows, total): (Vec<ApiKeyRow>, i64) = with_conn!(&self.db, |conn| {
            let keys = || {
                let all = api_keys::table.filter(api_keys::tenant_id.eq(&tenant_id)).into_boxed();
                if live_only { all.filter(api_keys::revoked.eq(false)) } else { all }
            };
            let total = keys().count().get_result(conn).await.map_err(query_error)?;
            let rows = keys()
                .order((api_keys::created_at.asc(), api_keys::id.asc()))
                .offset(offset)
                .limit(limit)
                .select(ApiKeyRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?;
            (rows, total)
        });
        let keys = rows.into_iter().map(ApiKey::try_from).collect::<Result<_, _>>()?;
        Ok((keys, count(total)))
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<(ApiKey, Tier)>, RepoError> {
        let found: Option<(ApiKeyRow, String)> = with_conn!(&self.db, |conn| {
            api_keys::table
                .inner_join(tenants::table)
                .filter(api_keys::key_hash.eq(hash.as_ref()))
                .select((ApiKeyRow::as_select(), tenants::tier))
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        found.map(|(row, tier)| Ok((ApiKey::try_from(row)?, parse_stored("tenant tier", tier.parse())?))).transpose()
    }

    async fn revoke(&self, tenant_id: TenantId, id: ApiKeyId, audit: &AuditEntry) -> Result<bool, RepoError> {
        let (tenant_id, id) = (tenant_id.to_string(), id.to_string());
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let live = api_keys::id.eq(&id).and(api_keys::tenant_id.eq(&tenant_id)).and(api_keys::revoked.eq(false));
                let revoked = diesel::update(api_keys::table.filter(live)).set(api_keys::revoked.eq(true)).execute(conn).await?;
                if revoked == 1 {
                    write_audit!(conn, &audit)?;
                }
                Ok(revoked == 1)
            })
            .map_err(query_error)
        })
    }

    async fn record_last_used(&self, used: &[(ApiKeyId, DateTime<Utc>)]) -> Result<(), RepoError> {
        let used: Vec<(String, chrono::NaiveDateTime)> =
            used.iter().map(|(id, at)| (id.to_string(), stored_time(*at))).collect();
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                for (id, at) in &used {
                    diesel::update(api_keys::table.find(id)).set(api_keys::last_used.eq(at)).execute(conn).await?;
                }
                Ok(())
            })
            .map_err(query_error)
        })
    }
}
