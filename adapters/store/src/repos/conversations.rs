//! The conversation repository. Every query filters on the owning account; turns are written by the usage ledger.

use ares_application::ports::{ConversationRepository, RepoError};
use ares_domain::{AccountId, Conversation, ConversationId, Message, Speaker};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{count, parse_stored, read_time, stored_time};
use crate::db::Db;
use crate::error::{corrupt, query_error};
use crate::schema::{conversations, messages};

#[derive(Queryable, Selectable)]
#[diesel(table_name = conversations)]
struct ConversationRow {
    id: String,
    owner: String,
    title: String,
    agent: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ConversationRow {
    /// The conversation, which holds `messages` messages.
    fn read(self, messages: u64) -> Result<Conversation, RepoError> {
        Ok(Conversation {
            id: parse_stored("conversation id", self.id.parse())?,
            owner: parse_stored("conversation owner", self.owner.parse())?,
            title: self.title,
            agent: self.agent,
            messages,
            created_at: read_time(self.created_at),
            updated_at: read_time(self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = messages)]
struct MessageRow {
    role: String,
    content: String,
    created_at: NaiveDateTime,
}

impl TryFrom<MessageRow> for Message {
    type Error = RepoError;

    fn try_from(row: MessageRow) -> Result<Self, Self::Error> {
        Ok(Message {
            speaker: Speaker::parse(&row.role).ok_or_else(|| corrupt("message role", &row.role))?,
            content: row.content,
            at: read_time(row.created_at),
        })
    }
}

/// Conversations in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct ConversationStore {
    db: Db,
}

impl ConversationStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ConversationRepository for ConversationStore {
    async fn list(&self, owner: AccountId) -> Result<Vec<Conversation>, RepoError> {
        let owner = owner.to_string();
        let rows: Vec<(ConversationRow, i64)> = with_conn!(&self.db, |conn| {
            conversations::table
                .left_join(messages::table)
                .filter(conversations::owner.eq(&owner))
                .group_by(conversations::id)
                .order((conversations::updated_at.desc(), conversations::id.desc()))
                .select((ConversationRow::as_select(), diesel::dsl::count(messages::id.nullable())))
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(|(row, messages)| row.read(count(messages))).collect()
    }

    async fn get(
        &self,
        owner: AccountId,
        id: ConversationId,
    ) -> Result<Option<(Conversation, Vec<Message>)>, RepoError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        let found: Option<(ConversationRow, Vec<MessageRow>)> = with_conn!(&self.db, |conn| {
            let row: Option<ConversationRow> = conversations::table
                .filter(conversations::id.eq(&id).and(conversations::owner.eq(&owner)))
                .select(ConversationRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?;
            match row {
                None => None,
                Some(row) => Some((
                    row,
                    messages::table
                        .filter(messages::conversation_id.eq(&id))
                        .order(messages::id.asc())
                        .select(MessageRow::as_select())
                        .load(conn)
                        .await
                        .map_err(query_error)?,
                )),
            }
        });
        let Some((row, rows)) = found else { return Ok(None) };
        let messages = rows.into_iter().map(Message::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Some((row.read(u64::try_from(messages.len()).unwrap_or(u64::MAX))?, messages)))
    }

    async fn rename(
        &self,
        owner: AccountId,
        id: ConversationId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        let renamed = with_conn!(&self.db, |conn| {
            diesel::update(conversations::table.filter(conversations::id.eq(&id).and(conversations::owner.eq(&owner))))
                .set((conversations::title.eq(title), conversations::updated_at.eq(stored_time(now))))
                .execute(conn)
                .await
                .map_err(query_error)?
        });
        Ok(renamed == 1)
    }

    async fn delete(&self, owner: AccountId, id: ConversationId) -> Result<bool, RepoError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let owned = conversations::id.eq(&id).and(conversations::owner.eq(&owner));
                let conversation = conversations::table.filter(owned).select(conversations::id);
                diesel::delete(messages::table.filter(messages::conversation_id.eq_any(conversation)))
                    .execute(conn)
                    .await?;
                let deleted = diesel::delete(conversations::table.filter(owned)).execute(conn).await?;
                Ok(deleted == 1)
            })
            .map_err(query_error)
        })
    }
}
