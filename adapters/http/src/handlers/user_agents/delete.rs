//! `DELETE /api/user/agents/{name}`: removes one of the signed-in user's agents (204).

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::ErrorView;

/// Removes one of the user's agents, for good (204).
#[utoipa::path(
    delete,
    path = "/api/user/agents/{name}",
    operation_id = "deleteUserAgent",
    tag = "user-agents",
    params(("name" = String, Path, description = "The agent's name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "The user has no agent of that name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            member.api.user_agents.delete(&member.actor, member.user_id, &path).await?;
            tracing::info!(user.id = %member.user_id, agent.name = %path.escape_debug(), "user agent deleted");
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}
