//! `GET /api/agents`: the platform's agents, open to everyone.

use actix_web::{HttpResponse, web};

use crate::state::UserApi;
use crate::views::PlatformAgentView;

/// Every platform agent: `[{"name", "description", "model", "tools"}]`. No authentication.
#[utoipa::path(
    get,
    path = "/api/agents",
    operation_id = "listPlatformAgents",
    tag = "chat",
    responses((status = 200, description = "The platform's agents", body = Vec<PlatformAgentView>)),
)]
pub(crate) async fn handle(api: web::Data<UserApi>) -> HttpResponse {
    let agents: Vec<PlatformAgentView> = api.platform.all().iter().map(PlatformAgentView::from).collect();
    HttpResponse::Ok().json(agents)
}
