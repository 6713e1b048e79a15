//! Alerts. Raising one is an insert that does nothing when an alert with its key exists (the key's unique
//! constraint decides, in one statement), so concurrent raisers on any number of instances store exactly one.

use ares_application::ports::{AlertFilter, AlertRepository, RepoError};
use ares_domain::{Alert, AlertId, AuditEntry, NewAlert};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::audit::{AuditRow, write_audit};
use super::{count, parse_stored, read_time, storable, stored_count, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::alerts;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = alerts, treat_none_as_default_value = false)]
struct AlertRow {
    id: String,
    severity: String,
    kind: String,
    message: String,
    tenant_id: Option<String>,
    dedup_key: String,
    created_at: NaiveDateTime,
    resolved: bool,
    resolved_at: Option<NaiveDateTime>,
}

impl AlertRow {
    fn new(alert: &NewAlert, raised: &Alert) -> Self {
        AlertRow {
            id: raised.id.to_string(),
            severity: raised.severity.as_str().to_owned(),
            kind: raised.kind.clone(),
            message: storable(&raised.message),
            tenant_id: raised.tenant_id.map(|id| id.to_string()),
            dedup_key: storable(&alert.key),
            created_at: stored_time(raised.created_at),
            resolved: false,
            resolved_at: None,
        }
    }
}

impl TryFrom<AlertRow> for Alert {
    type Error = RepoError;

    fn try_from(row: AlertRow) -> Result<Self, Self::Error> {
        Ok(Alert {
            id: parse_stored("alert id", row.id.parse())?,
            severity: parse_stored("alert severity", row.severity.parse())?,
            kind: row.kind,
            message: row.message,
            tenant_id: row.tenant_id.map(|id| parse_stored("alert tenant id", id.parse())).transpose()?,
            created_at: read_time(row.created_at),
            resolved: row.resolved,
            resolved_at: row.resolved_at.map(read_time),
        })
    }
}

/// Alerts in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct AlertStore {
    db: Db,
}

impl AlertStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AlertRepository for AlertStore {
    async fn raise(&self, alert: &NewAlert, at: DateTime<Utc>) -> Result<Option<Alert>, RepoError> {
        let raised = alert.raised(at);
        let row = AlertRow::new(alert, &raised);
        let inserted = with_conn!(&self.db, |conn| {
            diesel::insert_into(alerts::table)
                .values(&row)
                .on_conflict(alerts::dedup_key)
                .do_nothing()
                .execute(conn)
                .await
                .map_err(query_error)?
        });
        Ok((inserted == 1).then_some(raised))
    }

    async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, RepoError> {
        let rows: Vec<AlertRow> = with_conn!(&self.db, |conn| {
            let mut query = alerts::table.into_boxed();
            if let Some(severity) = filter.severity {
                query = query.filter(alerts::severity.eq(severity.as_str()));
            }
            if let Some(resolved) = filter.resolved {
                query = query.filter(alerts::resolved.eq(resolved));
            }
            query
                .order((alerts::created_at.desc(), alerts::id.desc()))
                .limit(stored_count(filter.limit))
                .select(AlertRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(Alert::try_from).collect()
    }

    async fn resolve(&self, id: AlertId, at: DateTime<Utc>, audit: &AuditEntry) -> Result<Option<Alert>, RepoError> {
        let (id, at) = (id.to_string(), stored_time(at));
        let audit = AuditRow::from(audit);
        let row: Option<AlertRow> = with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let open = alerts::id.eq(&id).and(alerts::resolved.eq(false));
                let resolved = diesel::update(alerts::table.filter(open))
                    .set((alerts::resolved.eq(true), alerts::resolved_at.eq(Some(at))))
                    .execute(conn)
                    .await?;
                if resolved == 1 {
                    write_audit!(conn, &audit)?;
                }
                alerts::table.find(&id).select(AlertRow::as_select()).first(conn).await.optional()
            })
            .map_err(query_error)?
        });
        row.map(Alert::try_from).transpose()
    }

    async fn count_open(&self) -> Result<u64, RepoError> {
        let open: i64 = with_conn!(&self.db, |conn| {
            alerts::table.filter(alerts::resolved.eq(false)).count().get_result(conn).await.map_err(query_error)?
        });
        Ok(count(open))
    }
}
