//! `GET /api/user/agents/{name}`: one of the signed-in user's agents, with its whole config.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::{ErrorView, UserAgentView};

/// One of the user's agents, with its whole config.
#[utoipa::path(
    get,
    path = "/api/user/agents/{name}",
    operation_id = "getUserAgent",
    tag = "user-agents",
    params(("name" = String, Path, description = "The agent's name")),
    responses(
        (status = 200, description = "The agent", body = UserAgentView),
        (status = 404, description = "The user has no agent of that name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let agent = member.api.user_agents.get(member.user_id, &path).await?;
            Ok(HttpResponse::Ok().json(UserAgentView::from(&agent)))
        })
        .await
}
