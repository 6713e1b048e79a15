//! `DELETE /api/admin/tenants/{id}/agents/{name}`: removes the agent (204).

use actix_web::{HttpResponse, web};
use ares_domain::Actor;

use super::agent_name;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::ErrorView;

/// Removes the agent (204).
#[utoipa::path(
    delete,
    path = "/api/admin/tenants/{id}/agents/{name}",
    operation_id = "deleteTenantAgent",
    tag = "agents",
    params(
        ("id" = String, Path, description = "The tenant's id"),
        ("name" = String, Path, description = "The agent's name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such tenant or agent", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let (id, name) = (tenant_id(&id)?, agent_name(&name)?);
    api.agents.delete(id, name.clone(), &Actor::Admin).await?;
    tracing::info!(tenant.id = %id, agent.name = %name, "agent deleted");
    Ok(HttpResponse::NoContent().finish())
}
