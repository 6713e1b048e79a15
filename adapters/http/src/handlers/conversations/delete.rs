//! `DELETE /api/conversations/{id}`: deletes one of the user's conversations and all its messages.

use actix_web::{HttpResponse, web};

use super::conversation_id;
use crate::ApiError;
use crate::session_auth::Member;
use crate::views::ErrorView;

/// Deletes a conversation and its messages.
#[utoipa::path(
    delete,
    path = "/api/conversations/{id}",
    operation_id = "deleteConversation",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (`context_id`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such conversation of the user's", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            member.api.conversations.delete(member.caller.account(), conversation_id(&path)?).await?;
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}
