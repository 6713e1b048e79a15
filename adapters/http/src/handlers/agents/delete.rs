//! `DELETE /api/admin/tenants/{id}/agents/{name}`: removes the agent (204).

use actix_web::{HttpResponse, web};

use super::agent_name;
use crate::extract::tenant_id;
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let (id, name) = (tenant_id(&id)?, agent_name(&name)?);
    state.agents.delete(id, name.clone()).await?;
    state.directory.forget(id);
    tracing::info!(tenant.id = %id, agent.name = %name, "agent deleted");
    Ok(HttpResponse::NoContent().finish())
}
