//! The repository of users' own agents. Every query filters on the user; names are unique per user.

use ares_application::ports::{RepoError, UserAgentRepository};
use ares_domain::{AgentName, AgentType, AuditEntry, UserAgent, UserId};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::agents::{config_text, read_config};
use super::audit::{AuditRow, write_audit};
use super::{parse_stored, read_time, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::user_agents;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = user_agents)]
struct UserAgentRow {
    user_id: String,
    name: String,
    agent_type: Option<String>,
    config: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<&UserAgent> for UserAgentRow {
    type Error = RepoError;

    fn try_from(agent: &UserAgent) -> Result<Self, Self::Error> {
        Ok(UserAgentRow {
            user_id: agent.user_id.to_string(),
            name: agent.name.to_string(),
            agent_type: agent.agent_type.as_ref().map(ToString::to_string),
            config: config_text(&agent.config)?,
            created_at: stored_time(agent.created_at),
            updated_at: stored_time(agent.updated_at),
        })
    }
}

impl TryFrom<UserAgentRow> for UserAgent {
    type Error = RepoError;

    fn try_from(row: UserAgentRow) -> Result<Self, Self::Error> {
        Ok(UserAgent {
            user_id: parse_stored("user agent user id", row.user_id.parse())?,
            name: parse_stored("user agent name", AgentName::parse(&row.name))?,
            agent_type: row.agent_type.map(|t| parse_stored("user agent type", AgentType::parse(&t))).transpose()?,
            config: read_config(&row.config)?,
            created_at: read_time(row.created_at),
            updated_at: read_time(row.updated_at),
        })
    }
}

/// Users' agents in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct UserAgentStore {
    db: Db,
}

impl UserAgentStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl UserAgentRepository for UserAgentStore {
    async fn list(&self, user_id: UserId) -> Result<Vec<UserAgent>, RepoError> {
        let user_id = user_id.to_string();
        let rows: Vec<UserAgentRow> = with_conn!(&self.db, |conn| {
            user_agents::table
                .filter(user_agents::user_id.eq(&user_id))
                .order(user_agents::name.asc())
                .select(UserAgentRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(UserAgent::try_from).collect()
    }

    async fn find(&self, user_id: UserId, name: &AgentName) -> Result<Option<UserAgent>, RepoError> {
        let user_id = user_id.to_string();
        let row: Option<UserAgentRow> = with_conn!(&self.db, |conn| {
            user_agents::table
                .find((&user_id, name.as_ref()))
                .select(UserAgentRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        row.map(UserAgent::try_from).transpose()
    }

    async fn insert(&self, agent: &UserAgent, audit: &AuditEntry) -> Result<(), RepoError> {
        let row = UserAgentRow::try_from(agent)?;
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(user_agents::table).values(&row).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn update(&self, agent: &UserAgent, audit: &AuditEntry) -> Result<bool, RepoError> {
        let row = UserAgentRow::try_from(agent)?;
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let changed = diesel::update(user_agents::table.find((&row.user_id, &row.name)))
                    .set((
                        user_agents::agent_type.eq(&row.agent_type),
                        user_agents::config.eq(&row.config),
                        user_agents::updated_at.eq(row.updated_at),
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

    async fn delete(&self, user_id: UserId, name: &AgentName, audit: &AuditEntry) -> Result<bool, RepoError> {
        let user_id = user_id.to_string();
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let deleted =
                    diesel::delete(user_agents::table.find((&user_id, name.as_ref()))).execute(conn).await?;
                if deleted > 0 {
                    write_audit!(conn, &audit)?;
                }
                Ok(deleted > 0)
            })
            .map_err(query_error)
        })
    }
}
