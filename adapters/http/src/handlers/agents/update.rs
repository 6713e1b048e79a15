//! `PUT /api/admin/tenants/{id}/agents/{name}`: the fields given replace the stored ones; config keys one by one.

use actix_web::{HttpResponse, web};
use ares_application::usecases::AgentPatch;
use ares_domain::{AgentName, AgentStatus, AgentType};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::agent_name;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::AgentView;

#[derive(Deserialize)]
pub(crate) struct Body {
    name: Option<String>,
    agent_type: Option<String>,
    config: Option<Map<String, Value>>,
    status: Option<String>,
}

pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<(String, String)>,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let (id, name) = (tenant_id(&id)?, agent_name(&name)?);
    let agent = api.agents.update(id, name, patch(body.into_inner())?).await?;
    tracing::info!(tenant.id = %id, agent.name = %agent.name, "agent updated");
    Ok(HttpResponse::Ok().json(AgentView::from(&agent)))
}

fn patch(body: Body) -> Result<AgentPatch, ApiError> {
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
