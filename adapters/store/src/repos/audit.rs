//! The audit log. Entries are inserted by the repositories whose changes they describe, inside the change's own
//! transaction (`AuditRow` is what they insert); this repository reads them, newest first, filtered and paged by
//! the entry before which to start.

use ares_application::ports::{AuditLog, RepoError};
use ares_domain::{AuditEntry, AuditFilter};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{parse_stored, read_time, storable, stored_count, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::audit_log;

/// An entry as stored: its details as a JSON object in text.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub(super) struct AuditRow {
    id: String,
    action: String,
    actor: String,
    tenant_id: Option<String>,
    target: Option<String>,
    details: String,
    created_at: NaiveDateTime,
}

impl From<&AuditEntry> for AuditRow {
    fn from(entry: &AuditEntry) -> Self {
        AuditRow {
            id: entry.id.to_string(),
            action: entry.action.clone(),
            actor: entry.actor.clone(),
            tenant_id: entry.tenant_id.map(|id| id.to_string()),
            target: entry.target.as_deref().map(storable),
            details: storable(&serde_json::Value::Object(entry.details.clone()).to_string()),
            created_at: stored_time(entry.at),
        }
    }
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = RepoError;

    fn try_from(row: AuditRow) -> Result<Self, Self::Error> {
        Ok(AuditEntry {
            id: parse_stored("audit entry id", row.id.parse())?,
            action: row.action,
            actor: row.actor,
            tenant_id: row.tenant_id.map(|id| parse_stored("audit entry tenant id", id.parse())).transpose()?,
            target: row.target,
            details: parse_stored("audit entry details", serde_json::from_str(&row.details))?,
            at: read_time(row.created_at),
        })
    }
}

/// Inserts `$row` (an `&AuditRow`) on `$conn`, in the transaction the change it describes runs in.
macro_rules! write_audit {
    ($conn:ident, $row:expr) => {
        diesel::insert_into($crate::schema::audit_log::table).values($row).execute($conn).await
    };
}
pub(super) use write_audit;

/// The audit log in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct AuditStore {
    db: Db,
}

impl AuditStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditLog for AuditStore {
    async fn list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, RepoError> {
        let rows: Vec<AuditRow> = with_conn!(&self.db, |conn| {
            let before: Option<(NaiveDateTime, String)> = match filter.before {
                Some(id) => audit_log::table
                    .find(id.to_string())
                    .select((audit_log::created_at, audit_log::id))
                    .first(conn)
                    .await
                    .optional()
                    .map_err(query_error)?,
                None => None,
            };
            if filter.before.is_some() && before.is_none() {
                return Ok(Vec::new());
            }
            let mut query = audit_log::table.into_boxed();
            if let Some((at, id)) = before {
                query = query
                    .filter(audit_log::created_at.lt(at).or(audit_log::created_at.eq(at).and(audit_log::id.lt(id))));
            }
            if let Some(action) = &filter.action {
                query = query.filter(audit_log::action.eq(action));
            }
            if let Some(actor) = &filter.actor {
                query = query.filter(audit_log::actor.eq(actor));
            }
            if let Some(tenant_id) = filter.tenant_id {
                query = query.filter(audit_log::tenant_id.eq(tenant_id.to_string()));
            }
            query
                .order((audit_log::created_at.desc(), audit_log::id.desc()))
                .limit(stored_count(filter.limit))
                .select(AuditRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(AuditEntry::try_from).collect()
    }
}
