//! The agent repository. Every query filters on the tenant id.

use std::collections::HashMap;

use ares_application::ports::{AgentRepository, AgentSummary, RepoError};
use ares_domain::{Agent, AgentConfig, AgentName, AgentStatus, AgentType, AuditEntry, Page, TenantId, TenantName};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use serde_json::{Map, Value};

use super::audit::{AuditRow, write_audit};
use super::{count, parse_stored, read_time, stored_count, stored_time};
use crate::db::Db;
use crate::error::{corrupt, query_error};
use crate::schema::{agents, runs, tenants};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = agents)]
pub(super) struct AgentRow {
    id: String,
    tenant_id: String,
    name: String,
    agent_type: String,
    config: String,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<&Agent> for AgentRow {
    type Error = RepoError;

    fn try_from(agent: &Agent) -> Result<Self, Self::Error> {
        Ok(AgentRow {
            id: agent.id.to_string(),
            tenant_id: agent.tenant_id.to_string(),
            name: agent.name.to_string(),
            agent_type: agent.agent_type.to_string(),
            config: config_text(&agent.config)?,
            status: agent.status.as_str().to_owned(),
            created_at: stored_time(agent.created_at),
            updated_at: stored_time(agent.updated_at),
        })
    }
}

impl TryFrom<AgentRow> for Agent {
    type Error = RepoError;

    fn try_from(row: AgentRow) -> Result<Self, Self::Error> {
        Ok(Agent {
            id: parse_stored("agent id", row.id.parse())?,
            tenant_id: parse_stored("agent tenant id", row.tenant_id.parse())?,
            name: parse_stored("agent name", AgentName::parse(&row.name))?,
            agent_type: parse_stored("agent type", AgentType::parse(&row.agent_type))?,
            config: read_config(&row.config)?,
            status: AgentStatus::parse(&row.status).ok_or_else(|| corrupt("agent status", &row.status))?,
            created_at: read_time(row.created_at),
            updated_at: read_time(row.updated_at),
        })
    }
}

/// An agent config as stored: one flat JSON object.
pub(super) fn config_text(config: &AgentConfig) -> Result<String, RepoError> {
    serde_json::to_string(&config.to_json()).map_err(|err| corrupt("agent config", err))
}

/// A stored agent config read back through the domain's validation.
pub(super) fn read_config(text: &str) -> Result<AgentConfig, RepoError> {
    let object: Map<String, Value> = serde_json::from_str(text).map_err(|err| corrupt("agent config", err))?;
    parse_stored("agent config", AgentConfig::from_json(object))
}

/// Agents in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct AgentStore {
    db: Db,
}

impl AgentStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AgentRepository for AgentStore {
    async fn list(&self, tenant_id: TenantId) -> Result<Vec<AgentSummary>, RepoError> {
        let tenant_id = tenant_id.to_string();
        let (rows, figures) = with_conn!(&self.db, |conn| {
            let rows: Vec<AgentRow> = agents::table
                .filter(agents::tenant_id.eq(&tenant_id))
                .order(agents::name.asc())
                .select(AgentRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?;
            let figures: Vec<(String, i64, i64, Option<NaiveDateTime>)> = runs::table
                .filter(runs::tenant_id.eq(&tenant_id))
                .group_by(runs::agent_name)
                .select((
                    runs::agent_name,
                    count_star(),
                    sql::<BigInt>("CAST(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS BIGINT)"),
                    max(runs::started_at),
                ))
                .load(conn)
                .await
                .map_err(query_error)?;
            (rows, figures)
        });
        let figures: HashMap<String, (i64, i64, Option<NaiveDateTime>)> =
            figures.into_iter().map(|(name, total, ok, last)| (name, (total, ok, last))).collect();
        rows.into_iter()
            .map(|row| {
                let (total, ok, last) = figures.get(&row.name).copied().unwrap_or((0, 0, None));
                Ok(AgentSummary {
                    agent: Agent::try_from(row)?,
                    total_runs: count(total),
                    successful_runs: count(ok),
                    last_run: last.map(read_time),
                })
            })
            .collect()
    }

    async fn all(&self, tenant_id: TenantId) -> Result<Vec<Agent>, RepoError> {
        let tenant_id = tenant_id.to_string();
        let rows: Vec<AgentRow> = with_conn!(&self.db, |conn| {
            agents::table
                .filter(agents::tenant_id.eq(&tenant_id))
                .order(agents::name.asc())
                .select(AgentRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(Agent::try_from).collect()
    }

    async fn find(&self, tenant_id: TenantId, name: &AgentName) -> Result<Option<Agent>, RepoError> {
        let tenant_id = tenant_id.to_string();
        let row: Option<AgentRow> = with_conn!(&self.db, |conn| {
            agents::table
                .filter(agents::tenant_id.eq(&tenant_id).and(agents::name.eq(name.as_ref())))
                .select(AgentRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        row.map(Agent::try_from).transpose()
    }

    async fn insert(&self, agent: &Agent, audit: &AuditEntry) -> Result<(), RepoError> {
        let row = AgentRow::try_from(agent)?;
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(agents::table).values(&row).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn update(&self, agent: &Agent, audit: &AuditEntry) -> Result<bool, RepoError> {
        let row = AgentRow::try_from(agent)?;
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let stored = agents::id.eq(&row.id).and(agents::tenant_id.eq(&row.tenant_id));
                let changed = diesel::update(agents::table.filter(stored))
                    .set((
                        agents::name.eq(&row.name),
                        agents::agent_type.eq(&row.agent_type),
                        agents::config.eq(&row.config),
                        agents::status.eq(&row.status),
                        agents::updated_at.eq(row.updated_at),
                    ))
                    .execute(conn)
                    .await?;
                if changed == 1 {
                    write_audit!(conn, &audit)?;
                }
                Ok(changed == 1)
            })
            .map_err(query_error)
        })
    }

    async fn delete(&self, tenant_id: TenantId, name: &AgentName, audit: &AuditEntry) -> Result<bool, RepoError> {
        let tenant_id = tenant_id.to_string();
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let named = agents::tenant_id.eq(&tenant_id).and(agents::name.eq(name.as_ref()));
                let deleted = diesel::delete(agents::table.filter(named)).execute(conn).await?;
                if deleted > 0 {
                    write_audit!(conn, &audit)?;
                }
                Ok(deleted > 0)
            })
            .map_err(query_error)
        })
    }

    async fn page_all(&self, page: Page) -> Result<(Vec<(Agent, TenantName)>, u64), RepoError> {
        let (offset, limit) = (stored_count(page.offset()), stored_count(page.size()));
        let (rows, total): (Vec<(AgentRow, String)>, i64) = with_conn!(&self.db, |conn| {
            let total = agents::table.count().get_result(conn).await.map_err(query_error)?;
            let rows = agents::table
                .inner_join(tenants::table)
                .order((tenants::name.asc(), agents::name.asc()))
                .offset(offset)
                .limit(limit)
                .select((AgentRow::as_select(), tenants::name))
                .load(conn)
                .await
                .map_err(query_error)?;
            (rows, total)
        });
        let agents = rows
            .into_iter()
            .map(|(row, tenant)| Ok((Agent::try_from(row)?, parse_stored("tenant name", TenantName::parse(&tenant))?)))
            .collect::<Result<_, RepoError>>()?;
        Ok((agents, count(total)))
    }

    async fn count_all(&self) -> Result<u64, RepoError> {
        let total: i64 =
            with_conn!(&self.db, |conn| agents::table.count().get_result(conn).await.map_err(query_error)?);
        Ok(count(total))
    }
}
