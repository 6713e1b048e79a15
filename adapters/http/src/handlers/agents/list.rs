//! `GET /api/admin/tenants/{id}/agents`: the tenant's agents with run counts and success rate.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::extract::tenant_id;
use crate::views::AgentListItem;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let agents = state.agents.list(tenant_id(&path)?).await?;
    let agents: Vec<AgentListItem> = agents.iter().map(AgentListItem::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "agents": agents })))
}
