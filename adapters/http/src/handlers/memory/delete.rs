//! `DELETE /api/memory/{id}`: forgets one thing ARES remembered about the user.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::ErrorView;

/// Forgets a memory.
#[utoipa::path(
    delete,
    path = "/api/memory/{id}",
    operation_id = "deleteMemory",
    tag = "conversations",
    params(("id" = String, Path, description = "The memory's id")),
    responses(
        (status = 204, description = "Forgotten"),
        (status = 404, description = "No such memory of the user's", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let id = path.parse().map_err(|_| ApiError::NotFound("Memory not found".into()))?;
            member.api.conversations.forget(member.user_id, id).await?;
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}
