//! `PUT /api/admin/tenants/{id}/agents/{name}`: the fields given replace the stored ones; config keys one by one.

use actix_web::{HttpResponse, web};
use ares_application::usecases::AgentPatch;
use ares_domain::{Actor, AgentName, AgentStatus, AgentType};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::agent_name;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::{AgentStatusName, AgentView, ErrorView};

/// The fields to change; `config` keys replace the stored ones one by one.
#[derive(Deserialize, ToSchema)]
pub(crate) struct AgentPatchBody {
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    name: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    agent_type: Option<String>,
    /// The config keys to replace; the config they make must still be valid.
    #[schema(value_type = Option<Object>)]
    config: Option<Map<String, Value>>,
    #[schema(value_type = Option<AgentStatusName>, example = "disabled")]
    status: Option<String>,
}

/// Changes an agent: the fields given replace the stored ones, config keys one by one.
#[utoipa::path(
    put,
    path = "/api/admin/tenants/{id}/agents/{name}",
    operation_id = "updateTenantAgent",
    tag = "agents",
    params(
        ("id" = String, Path, description = "The tenant's id"),
        ("name" = String, Path, description = "The agent's name"),
    ),
    request_body = AgentPatchBody,
    responses(
        (status = 200, description = "The agent as updated", body = AgentView),
        (status = 404, description = "No such tenant or agent", body = ErrorView),
        (status = 409, description = "The new name is another agent's", body = ErrorView),
        (status = 422, description = "An invalid name, type, config or status", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<(String, String)>,
    body: web::Json<AgentPatchBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let (id, name) = (tenant_id(&id)?, agent_name(&name)?);
    let agent = api.agents.update(id, name, patch(body.into_inner())?, &Actor::Admin).await?;
    tracing::info!(tenant.id = %id, agent.name = %agent.name, "agent updated");
    Ok(HttpResponse::Ok().json(AgentView::from(&agent)))
}

fn patch(body: AgentPatchBody) -> Result<AgentPatch, ApiError> {
    let status = body
        .status
        .map(|raw| {
            AgentStatus::parse(&raw).ok_or_else(|| {
                ApiError::Unprocessable(format!("Invalid status: '{raw}'. Valid statuses: active, disabled"))
            })
        })
        .transpose()?;
    Ok(AgentPatch {
        name: body.name.as_deref().map(AgentName::parse).transpose()?,
        agent_type: body.agent_type.as_deref().map(AgentType::parse).transpose()?,
        config: body.config,
        status,
    })
}
