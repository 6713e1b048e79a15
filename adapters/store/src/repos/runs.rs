//! The run repository.

use ares_application::ports::{RepoError, RunRepository, RunStats};
use ares_domain::{AgentName, Run, RunStatus, TenantId};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable};
use diesel_async::RunQueryDsl;

use super::{count, parse_stored, read_time, storable_opt, stored_count, stored_time};
use crate::db::Db;
use crate::error::{corrupt, query_error};
use crate::schema::runs;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = runs, treat_none_as_default_value = false)]
pub(super) struct RunRow {
    id: String,
    tenant_id: String,
    agent_name: String,
    status: String,
    input: String,
    output: Option<String>,
    error: Option<String>,
    model: Option<String>,
    provider: Option<String>,
    tokens_in: i64,
    tokens_out: i64,
    started_at: NaiveDateTime,
    duration_ms: Option<i64>,
    tool_calls: String,
}

impl TryFrom<&Run> for RunRow {
    type Error = RepoError;

    fn try_from(run: &Run) -> Result<Self, Self::Error> {
        let json = |value: &serde_json::Value| serde_json::to_string(value).map_err(|err| corrupt("run payload", err));
        Ok(RunRow {
            id: run.id.to_string(),
            tenant_id: run.tenant_id.to_string(),
            agent_name: run.agent_name.to_string(),
            status: run.status.as_str().to_owned(),
            input: json(&run.input)?,
            output: run.output.as_ref().map(json).transpose()?,
            error: storable_opt(run.error.as_ref()),
            model: storable_opt(run.model.as_ref()),
            provider: storable_opt(run.provider.as_ref()),
            tokens_in: stored_count(run.tokens_in),
            tokens_out: stored_count(run.tokens_out),
            started_at: stored_time(run.started_at),
            duration_ms: run.duration_ms.map(stored_count),
            tool_calls: serde_json::to_string(&run.tool_calls).map_err(|err| corrupt("run tool calls", err))?,
        })
    }
}

impl TryFrom<RunRow> for Run {
    type Error = RepoError;

    fn try_from(row: RunRow) -> Result<Self, Self::Error> {
        let json = |text: &str| serde_json::from_str(text).map_err(|err| corrupt("run payload", err));
        Ok(Run {
            id: parse_stored("run id", row.id.parse())?,
            tenant_id: parse_stored("run tenant id", row.tenant_id.parse())?,
            agent_name: parse_stored("run agent", AgentName::parse(&row.agent_name))?,
            status: RunStatus::parse(&row.status).ok_or_else(|| corrupt("run status", &row.status))?,
            input: json(&row.input)?,
            output: row.output.as_deref().map(json).transpose()?,
            error: row.error,
            model: row.model,
            provider: row.provider,
            tokens_in: count(row.tokens_in),
            tokens_out: count(row.tokens_out),
            started_at: read_time(row.started_at),
            duration_ms: row.duration_ms.map(count),
            tool_calls: serde_json::from_str(&row.tool_calls).map_err(|err| corrupt("run tool calls", err))?,
        })
    }
}

/// Runs in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct RunStore {
    db: Db,
}

impl RunStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl RunRepository for RunStore {
    async fn insert(&self, run: &Run) -> Result<(), RepoError> {
        let row = RunRow::try_from(run)?;
        with_conn!(&self.db, |conn| {
            diesel::insert_into(runs::table).values(&row).execute(conn).await.map_err(query_error)?;
        });
        Ok(())
    }

    async fn page(
        &self,
        tenant_id: TenantId,
        agent: &AgentName,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Run>, u64), RepoError> {
        let tenant_id = tenant_id.to_string();
        let of_agent = runs::tenant_id.eq(tenant_id).and(runs::agent_name.eq(agent.as_ref().to_owned()));
        let (rows, total) = with_conn!(&self.db, |conn| {
            let total: i64 =
                runs::table.filter(of_agent.clone()).count().get_result(conn).await.map_err(query_error)?;
            let rows: Vec<RunRow> = runs::table
                .filter(of_agent.clone())
                .order((runs::started_at.desc(), runs::id.desc()))
                .offset(stored_count(offset))
                .limit(stored_count(limit))
                .select(RunRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?;
            (rows, total)
        });
        Ok((rows.into_iter().map(Run::try_from).collect::<Result<_, _>>()?, count(total)))
    }

    async fn stats(&self, tenant_id: TenantId, agent: &AgentName) -> Result<RunStats, RepoError> {
        let tenant_id = tenant_id.to_string();
        let of_agent = runs::tenant_id.eq(tenant_id).and(runs::agent_name.eq(agent.as_ref().to_owned()));
        type Figures = (i64, i64, i64, Option<f64>, Option<f64>, Option<NaiveDateTime>);
        let (total, completed, failed, duration, tokens, last): Figures = with_conn!(&self.db, |conn| {
            runs::table
                .filter(of_agent)
                .select((
                    count_star(),
                    sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS BIGINT)"),
                    sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT)"),
                    sql::<Nullable<Double>>(
                        "CAST(AVG(CASE WHEN status <> 'running' THEN duration_ms END) AS DOUBLE PRECISION)",
                    ),
                    sql::<Nullable<Double>>(
                        "CAST(AVG(CASE WHEN status <> 'running' THEN tokens_in + tokens_out END) AS DOUBLE PRECISION)",
                    ),
                    max(runs::started_at),
                ))
                .get_result(conn)
                .await
                .map_err(query_error)?
        });
        Ok(RunStats {
            total: count(total),
            successful: count(completed),
            failed: count(failed),
            avg_duration_ms: duration.unwrap_or(0.0),
            avg_tokens: tokens.unwrap_or(0.0),
            last_run: last.map(read_time),
        })
    }
}
