//! `/api/conversations*`: a signed-in user's conversations. Another user's conversation is not found.

pub(crate) mod delete;
pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod update;

use ares_domain::ConversationId;

use crate::ApiError;

/// A conversation id from the path. A malformed id names no conversation, so it is not found like an unknown one.
fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("Conversation not found".into()))
}
