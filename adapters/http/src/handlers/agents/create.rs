//! `POST /api/admin/tenants/{id}/agents`: adds an agent to the tenant (201).

use actix_web::{HttpResponse, web};
use ares_application::usecases::NewAgent;
use ares_domain::{Actor, AgentConfig, AgentName, AgentType};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::AgentConfigBody;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::{AgentView, ErrorView};

/// The agent type of an agent created without one.
const DEFAULT_AGENT_TYPE: &str = "general";

/// A new agent.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewAgentBody {
    /// Letters, digits, `-`, `_` and `.`; at most 64.
    #[schema(example = "support-bot", pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    name: String,
    /// `general` when not given.
    #[schema(example = "general", pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    agent_type: Option<String>,
    #[schema(value_type = AgentConfigBody)]
    config: Map<String, Value>,
}

/// Adds an agent to the tenant (201).
#[utoipa::path(
    post,
    path = "/api/admin/tenants/{id}/agents",
    operation_id = "createTenantAgent",
    tag = "agents",
    params(("id" = String, Path, description = "The tenant's id")),
    request_body = NewAgentBody,
    responses(
        (status = 201, description = "The agent", body = AgentView),
        (status = 404, description = "No such tenant", body = ErrorView),
        (status = 409, description = "The tenant has an agent of that name", body = ErrorView),
        (status = 422, description = "An invalid name, type or config", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Json<NewAgentBody>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let body = body.into_inner();
    if !body.config.contains_key("model") {
        return Err(ApiError::BadRequest("Missing required field: config.model".into()));
    }
    let new = NewAgent {
        name: AgentName::parse(&body.name)?,
        agent_type: AgentType::parse(body.agent_type.as_deref().unwrap_or(DEFAULT_AGENT_TYPE))?,
        config: AgentConfig::from_json(body.config)?,
    };
    let agent = api.agents.create(id, new, &Actor::Admin).await?;
    tracing::info!(tenant.id = %id, agent.name = %agent.name, "agent created");
    Ok(HttpResponse::Created().json(AgentView::from(&agent)))
}
