//! The conversation turns settlements keep: a chat that continues or starts a conversation records its exchange
//! in the transaction that records its usage event. The conversation is created by the turn that starts it; a
//! turn for a conversation another account owns, or one deleted meanwhile, keeps nothing. A group written twice
//! keeps each turn once: only the turns of the events its statement recorded are written.

use ares_domain::Turn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::super::stored_time;
use crate::schema::{conversations, messages};

#[derive(Insertable)]
#[diesel(table_name = conversations)]
pub(super) struct ConversationRow {
    pub(super) id: String,
    pub(super) owner: String,
    pub(super) title: String,
    pub(super) agent: Option<String>,
    created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = messages)]
pub(super) struct MessageRow {
    conversation_id: String,
    role: &'static str,
    content: String,
    created_at: NaiveDateTime,
}

/// One turn as rows, with the id of the usage event it is recorded with.
pub(super) struct TurnRows {
    pub(super) event_id: String,
    /// Whether the turn starts its conversation (which is created then).
    pub(super) starts: bool,
    pub(super) conversation: ConversationRow,
    pub(super) messages: [MessageRow; 2],
}

impl TurnRows {
    pub(super) fn new(event_id: String, turn: &Turn) -> Self {
        let at = stored_time(turn.at);
        let id = turn.conversation.to_string();
        let message = |role, content: &str| MessageRow {
            conversation_id: id.clone(),
            role,
            content: content.to_owned(),
            created_at: at,
        };
        TurnRows {
            event_id,
            starts: turn.title.is_some(),
            messages: [message("user", &turn.user), message("assistant", &turn.assistant)],
            conversation: ConversationRow {
                id: id.clone(),
                owner: turn.owner.to_string(),
                title: turn.title.clone().unwrap_or_default(),
                agent: turn.agent.clone(),
                created_at: at,
                updated_at: at,
            },
        }
    }
}

/// Writes `$turns` (an iterator of `&TurnRows` whose events were just recorded) on `$conn`, inside the
/// settlement's transaction: each turn's conversation is created (by the turn that starts it) or touched, then its
/// two messages are added, when the turn's owner owns it.
macro_rules! write_turns {
    ($conn:ident, $turns:expr) => {{
        use $crate::schema::{conversations, messages};
        for turn in $turns {
            let conversation = &turn.conversation;
            if turn.starts {
                diesel::insert_into(conversations::table)
                    .values(conversation)
                    .on_conflict_do_nothing()
                    .execute($conn)
                    .await?;
            }
            let owned = conversations::table
                .filter(conversations::id.eq(&conversation.id))
                .filter(conversations::owner.eq(&conversation.owner));
            let touched = diesel::update(owned)
                .set((
                    conversations::updated_at.eq(conversation.updated_at),
                    conversations::agent.eq(&conversation.agent),
                ))
                .execute($conn)
                .await?;
            if touched == 1 {
                for message in &turn.messages {
                    diesel::insert_into(messages::table).values(message).execute($conn).await?;
                }
            }
        }
    }};
}

pub(super) use write_turns;
