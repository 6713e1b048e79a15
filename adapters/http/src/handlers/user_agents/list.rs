//! `GET /api/user/agents`: the signed-in user's agents, by name.

use actix_web::HttpResponse;

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::UserAgentView;

/// The signed-in user's own agents, by name.
#[utoipa::path(
    get,
    path = "/api/user/agents",
    operation_id = "listUserAgents",
    tag = "user-agents",
    responses(
        (status = 200, description = "The user's agents", body = [UserAgentView]),
    ),
)]
pub(crate) async fn handle(member: Member) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let agents = member.api.user_agents.list(member.user_id).await?;
            Ok(HttpResponse::Ok().json(agents.iter().map(UserAgentView::from).collect::<Vec<_>>()))
        })
        .await
}
