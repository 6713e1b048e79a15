//! `DELETE /api/admin/tenants/{id}/agents/{name}`: removes the agent (204).

use actix_web::{HttpResponse, web};

use super::agent_name;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;

pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let (id, name) = (tenant_id(&id)?, agent_name(&name)?);
    api.agents.delete(id, name.clone()).await?;
    tracing::info!(tenant.id = %id, agent.name = %name, "agent deleted");
    Ok(HttpResponse::NoContent().finish())
}
