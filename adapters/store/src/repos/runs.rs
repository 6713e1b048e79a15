//! The run repository.

use ares_application::ports::{RepoError, RunRepository};
use ares_domain::Run;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{stored_count, stored_time};
use crate::db::Db;
use crate::error::{corrupt, query_error};
use crate::schema::runs;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = runs)]
struct RunRow {
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
            error: run.error.clone(),
            model: run.model.clone(),
            provider: run.provider.clone(),
            tokens_in: stored_count(run.tokens_in),
            tokens_out: stored_count(run.tokens_out),
            started_at: stored_time(run.started_at),
            duration_ms: run.duration_ms.map(stored_count),
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
}
