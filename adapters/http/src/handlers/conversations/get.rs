//! `GET /api/conversations/{id}`: one of the user's conversations with its full message history.

use actix_web::{HttpResponse, web};

use super::conversation_id;
use crate::ApiError;
use crate::session_auth::Member;
use crate::views::{ConversationDetailView, ErrorView};

/// A conversation and its messages, oldest first.
#[utoipa::path(
    get,
    path = "/api/conversations/{id}",
    operation_id = "getConversation",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (`context_id`)")),
    responses(
        (status = 200, description = "The conversation with its messages", body = ConversationDetailView),
        (status = 404, description = "No such conversation of the user's", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let id = conversation_id(&path)?;
            let (conversation, messages) = member.api.conversations.get(member.caller.account(), id).await?;
            Ok(HttpResponse::Ok().json(ConversationDetailView::new(&conversation, &messages)))
        })
        .await
}
