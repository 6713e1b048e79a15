//! `GET /api/admin/tenants/{id}/agents`: the tenant's agents with run counts and success rate.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::{AgentList, AgentListItem, ErrorView};

/// The tenant's agents with run counts and success rate.
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}/agents",
    operation_id = "listTenantAgents",
    tag = "agents",
    params(("id" = String, Path, description = "The tenant's id")),
    responses(
        (status = 200, description = "The tenant's agents", body = AgentList),
        (status = 404, description = "No such tenant", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let agents = api.agents.list(tenant_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(AgentList { agents: agents.iter().map(AgentListItem::from).collect() }))
}
