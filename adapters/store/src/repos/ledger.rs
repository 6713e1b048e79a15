//! The usage ledger. Admission is one conditional `UPDATE ... RETURNING` of the tenant's counter row: it rolls the
//! day and the month over when their keys are older, and increments only when every limit still holds, so the
//! database serializes concurrent admissions on the row and none can overshoot, on one instance or many.
//! Settlement writes the usage event, the run, the day's figures and the token reconciliation in one transaction.

use ares_application::ports::{Admission, DailyUsage, MonthlyUsage, RepoError, Settlement, UsageLedger};
use ares_domain::{Counters, Period, Quota, TenantId};
use async_trait::async_trait;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::runs::RunRow;
use super::{count, parse_stored, stored_count, stored_time};
use crate::db::{Backend, Db};
use crate::error::query_error;
use crate::schema::{runs, tenant_quotas, usage_daily, usage_events};

/// Checks and increments both periods' counters, or changes nothing. `$1` tenant, `$2` day, `$3` month,
/// `$4` reserved tokens, `$5`-`$7` the daily, monthly and token limits.
const ADMIT: &str = "
UPDATE tenant_quotas SET
    day_requests   = (CASE WHEN day_key = $2 THEN day_requests ELSE 0 END) + 1,
    month_requests = (CASE WHEN month_key = $3 THEN month_requests ELSE 0 END) + 1,
    month_tokens   = (CASE WHEN month_key = $3 THEN month_tokens ELSE 0 END),
    month_reserved = (CASE WHEN month_key = $3 THEN month_reserved ELSE 0 END) + $4,
    day_key = $2,
    month_key = $3
WHERE tenant_id = $1
  AND (CASE WHEN day_key = $2 THEN day_requests ELSE 0 END) + 1 <= $5
  AND (CASE WHEN month_key = $3 THEN month_requests ELSE 0 END) + 1 <= $6
  AND (CASE WHEN month_key = $3 THEN month_tokens + month_reserved ELSE 0 END) + $4 <= $7
RETURNING day_requests, month_requests, month_tokens, month_reserved";

/// The counters as they stand for `$2` (day) and `$3` (month).
const CURRENT: &str = "
SELECT (CASE WHEN day_key = $2 THEN day_requests ELSE 0 END) AS day_requests,
       (CASE WHEN month_key = $3 THEN month_requests ELSE 0 END) AS month_requests,
       (CASE WHEN month_key = $3 THEN month_tokens ELSE 0 END) AS month_tokens,
       (CASE WHEN month_key = $3 THEN month_reserved ELSE 0 END) AS month_reserved
FROM tenant_quotas WHERE tenant_id = $1";

/// Counts the tokens used and releases the reservation made in month `$4`. `$1` tenant, `$2` tokens, `$3` reserved.
const SETTLE: &str = "
UPDATE tenant_quotas SET
    month_tokens = month_tokens + $2,
    month_reserved = CASE WHEN month_key = $4 THEN month_reserved - $3 ELSE month_reserved END
WHERE tenant_id = $1
RETURNING day_requests, month_requests, month_tokens, month_reserved";

/// The SQL of a query written with PostgreSQL's `$n` placeholders, for `backend`: SQLite reads them as `?n`.
fn dialect(sql: &str, backend: Backend) -> String {
    match backend {
        Backend::Postgres => sql.to_owned(),
        Backend::Sqlite => sql.replace('$', "?"),
    }
}

#[derive(QueryableByName)]
struct CounterRow {
    #[diesel(sql_type = BigInt)]
    day_requests: i64,
    #[diesel(sql_type = BigInt)]
    month_requests: i64,
    #[diesel(sql_type = BigInt)]
    month_tokens: i64,
    #[diesel(sql_type = BigInt)]
    month_reserved: i64,
}

impl From<CounterRow> for Counters {
    fn from(row: CounterRow) -> Self {
        Counters {
            day_requests: count(row.day_requests),
            month_requests: count(row.month_requests),
            month_tokens: count(row.month_tokens),
            month_reserved: count(row.month_reserved),
        }
    }
}

/// A new tenant's counter row: every period key empty, so the first admission starts its day and month.
#[derive(Insertable)]
#[diesel(table_name = tenant_quotas)]
pub(super) struct QuotaRow {
    tenant_id: String,
    day_key: String,
    day_requests: i64,
    month_key: String,
    month_requests: i64,
    month_tokens: i64,
    month_reserved: i64,
}

impl QuotaRow {
    pub(super) fn new(tenant_id: TenantId) -> Self {
        QuotaRow {
            tenant_id: tenant_id.to_string(),
            day_key: String::new(),
            day_requests: 0,
            month_key: String::new(),
            month_requests: 0,
            month_tokens: 0,
            month_reserved: 0,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = usage_events)]
struct EventRow {
    id: String,
    tenant_id: String,
    api_key_id: Option<String>,
    endpoint: String,
    agent: Option<String>,
    model: Option<String>,
    provider: Option<String>,
    tokens_in: i64,
    tokens_out: i64,
    estimated: bool,
    latency_ms: i64,
    status: i32,
    created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = usage_daily)]
struct DailyRow {
    tenant_id: String,
    day_key: String,
    api_calls: i64,
    runs: i64,
    tokens: i64,
}

fn event_row(settlement: &Settlement) -> EventRow {
    let event = &settlement.event;
    EventRow {
        id: event.id.to_string(),
        tenant_id: event.tenant_id.to_string(),
        api_key_id: event.api_key_id.map(|id| id.to_string()),
        endpoint: event.endpoint.clone(),
        agent: event.agent.clone(),
        model: event.model.clone(),
        provider: event.provider.clone(),
        tokens_in: stored_count(event.tokens_in),
        tokens_out: stored_count(event.tokens_out),
        estimated: event.estimated,
        latency_ms: stored_count(event.latency_ms),
        status: i32::from(event.status),
        created_at: stored_time(event.at),
    }
}

fn limit(value: Option<u64>) -> i64 {
    value.map_or(i64::MAX, stored_count)
}

/// The usage ledger in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct LedgerStore {
    db: Db,
    admit_sql: String,
    current_sql: String,
    settle_sql: String,
}

impl LedgerStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        let backend = db.backend();
        LedgerStore {
            admit_sql: dialect(ADMIT, backend),
            current_sql: dialect(CURRENT, backend),
            settle_sql: dialect(SETTLE, backend),
            db,
        }
    }
}

#[async_trait]
impl UsageLedger for LedgerStore {
    async fn admit(
        &self,
        tenant_id: TenantId,
        period: &Period,
        quota: &Quota,
        reserve: u64,
    ) -> Result<Admission, RepoError> {
        let (tenant, day, month) = (tenant_id.to_string(), period.day_key(), period.month_key());
        let admitted: Option<CounterRow> = with_conn!(&self.db, |conn| {
            diesel::sql_query(self.admit_sql.as_str())
                .bind::<Text, _>(&tenant)
                .bind::<Text, _>(&day)
                .bind::<Text, _>(&month)
                .bind::<BigInt, _>(stored_count(reserve))
                .bind::<BigInt, _>(limit(quota.daily_requests))
                .bind::<BigInt, _>(limit(quota.monthly_requests))
                .bind::<BigInt, _>(limit(quota.monthly_tokens))
                .get_result(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        if let Some(counters) = admitted {
            return Ok(Admission::Admitted(counters.into()));
        }
        let current: Option<CounterRow> = with_conn!(&self.db, |conn| {
            diesel::sql_query(self.current_sql.as_str())
                .bind::<Text, _>(&tenant)
                .bind::<Text, _>(&day)
                .bind::<Text, _>(&month)
                .get_result(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        match current {
            Some(counters) => Ok(Admission::Refused(counters.into())),
            None => Err(RepoError::Unexpected(anyhow::anyhow!("tenant {tenant} has no quota counters"))),
        }
    }

    async fn settle(&self, settlement: &Settlement) -> Result<Counters, RepoError> {
        let event = event_row(settlement);
        let run = settlement.run.as_ref().map(RunRow::try_from).transpose()?;
        let daily = DailyRow {
            tenant_id: event.tenant_id.clone(),
            day_key: Period::at(settlement.event.at).day_key(),
            api_calls: 1,
            runs: i64::from(settlement.run.is_some() || settlement.event.model.is_some()),
            tokens: stored_count(settlement.event.tokens()),
        };
        let (tenant, tokens, reserved) = (event.tenant_id.clone(), daily.tokens, stored_count(settlement.reserved));
        let admitted_month = settlement.admitted_in.month_key();
        let counters: CounterRow = with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(usage_events::table).values(&event).execute(conn).await?;
                if let Some(run) = &run {
                    diesel::insert_into(runs::table).values(run).execute(conn).await?;
                }
                diesel::insert_into(usage_daily::table)
                    .values(&daily)
                    .on_conflict((usage_daily::tenant_id, usage_daily::day_key))
                    .do_update()
                    .set((
                        usage_daily::api_calls.eq(usage_daily::api_calls + daily.api_calls),
                        usage_daily::runs.eq(usage_daily::runs + daily.runs),
                        usage_daily::tokens.eq(usage_daily::tokens + daily.tokens),
                    ))
                    .execute(conn)
                    .await?;
                diesel::sql_query(self.settle_sql.as_str())
                    .bind::<Text, _>(&tenant)
                    .bind::<BigInt, _>(tokens)
                    .bind::<BigInt, _>(reserved)
                    .bind::<Text, _>(&admitted_month)
                    .get_result(conn)
                    .await
            })
            .map_err(query_error)?
        });
        Ok(counters.into())
    }

    async fn month(&self, tenant_id: TenantId, period: &Period) -> Result<MonthlyUsage, RepoError> {
        let (tenant, day, month) = (tenant_id.to_string(), period.day_key(), period.month_key());
        let days_of_month = format!("{month}-%");
        let (counters, days) = with_conn!(&self.db, |conn| {
            let counters: Option<CounterRow> = diesel::sql_query(self.current_sql.as_str())
                .bind::<Text, _>(&tenant)
                .bind::<Text, _>(&day)
                .bind::<Text, _>(&month)
                .get_result(conn)
                .await
                .optional()
                .map_err(query_error)?;
            let days: Vec<(String, i64, i64, i64)> = usage_daily::table
                .filter(usage_daily::tenant_id.eq(&tenant).and(usage_daily::day_key.like(&days_of_month)))
                .order(usage_daily::day_key.desc())
                .select((usage_daily::day_key, usage_daily::runs, usage_daily::tokens, usage_daily::api_calls))
                .load(conn)
                .await
                .map_err(query_error)?;
            (counters, days)
        });
        let daily = days
            .into_iter()
            .map(|(date, runs, tokens, api_calls)| {
                Ok(DailyUsage {
                    date: parse_stored("usage day", NaiveDate::parse_from_str(&date, "%Y-%m-%d"))?,
                    runs: count(runs),
                    tokens: count(tokens),
                    api_calls: count(api_calls),
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(MonthlyUsage {
            counters: counters.map(Counters::from).unwrap_or_default(),
            runs: daily.iter().map(|d| d.runs).sum(),
            daily,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_reads_the_numbered_placeholders_as_its_own() {
        assert_eq!(dialect("a = $1 AND b = $12", Backend::Sqlite), "a = ?1 AND b = ?12");
        assert_eq!(dialect("a = $1", Backend::Postgres), "a = $1");
        for sql in [ADMIT, CURRENT, SETTLE] {
            assert!(!sql.contains('?'), "the queries use only $n placeholders");
        }
    }
}
