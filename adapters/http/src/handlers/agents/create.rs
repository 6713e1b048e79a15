//! `POST /api/admin/tenants/{id}/agents`: adds an agent to the tenant (201).

use actix_web::{HttpResponse, web};
use ares_application::usecases::NewAgent;
use ares_domain::{AgentConfig, AgentName, AgentType};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::AgentView;

/// The agent type of an agent created without one.
const DEFAULT_AGENT_TYPE: &str = "general";

#[derive(Deserialize)]
pub(crate) struct Body {
    name: String,
    agent_type: Option<String>,
    config: Map<String, Value>,
}

pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Json<Body>,
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
    let agent = api.agents.create(id, new).await?;
    tracing::info!(tenant.id = %id, agent.name = %agent.name, "agent created");
    Ok(HttpResponse::Created().json(AgentView::from(&agent)))
}
