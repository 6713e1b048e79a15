//! The memory repository: what ARES remembers about each user, every query filtered on the user, each memory kept
//! once (the same kind and text added again is skipped by the `memories_unique` constraint).

use ares_application::ports::{MemoryRepository, RepoError};
use ares_domain::{Memory, MemoryId, MemoryKind, UserId};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{parse_stored, read_time, storable, stored_time};
use crate::db::Db;
use crate::error::{corrupt, query_error};
use crate::schema::memories;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = memories)]
struct MemoryRow {
    id: String,
    user_id: String,
    kind: String,
    content: String,
    source: Option<String>,
    created_at: NaiveDateTime,
}

impl From<&Memory> for MemoryRow {
    fn from(memory: &Memory) -> Self {
        MemoryRow {
            id: memory.id.to_string(),
            user_id: memory.user_id.to_string(),
            kind: memory.kind.as_str().to_owned(),
            content: storable(&memory.content),
            source: memory.source.map(|id| id.to_string()),
            created_at: stored_time(memory.created_at),
        }
    }
}

impl TryFrom<MemoryRow> for Memory {
    type Error = RepoError;

    fn try_from(row: MemoryRow) -> Result<Self, Self::Error> {
        Ok(Memory {
            id: parse_stored("memory id", row.id.parse())?,
            user_id: parse_stored("memory user id", row.user_id.parse())?,
            kind: MemoryKind::parse(&row.kind).ok_or_else(|| corrupt("memory kind", &row.kind))?,
            content: row.content,
            source: row.source.map(|id| parse_stored("memory source", id.parse())).transpose()?,
            created_at: read_time(row.created_at),
        })
    }
}

/// Memories in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct MemoryStore {
    db: Db,
}

impl MemoryStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl MemoryRepository for MemoryStore {
    async fn list(&self, user_id: UserId) -> Result<Vec<Memory>, RepoError> {
        let user_id = user_id.to_string();
        let rows: Vec<MemoryRow> = with_conn!(&self.db, |conn| {
            memories::table
                .filter(memories::user_id.eq(&user_id))
                .order((memories::created_at.asc(), memories::id.asc()))
                .select(MemoryRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(Memory::try_from).collect()
    }

    async fn add(&self, memories: &[Memory]) -> Result<(), RepoError> {
        let rows: Vec<MemoryRow> = memories.iter().map(MemoryRow::from).collect();
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                for row in &rows {
                    diesel::insert_into(memories::table).values(row).on_conflict_do_nothing().execute(conn).await?;
                }
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn delete(&self, user_id: UserId, id: MemoryId) -> Result<bool, RepoError> {
        let (user_id, id) = (user_id.to_string(), id.to_string());
        let deleted = with_conn!(&self.db, |conn| {
            diesel::delete(memories::table.filter(memories::id.eq(&id).and(memories::user_id.eq(&user_id))))
                .execute(conn)
                .await
                .map_err(query_error)?
        });
        Ok(deleted == 1)
    }
}
