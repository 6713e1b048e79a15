//! `GET /api/admin/tenants/{id}/agents`: the tenant's agents with run counts and success rate.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::AgentListItem;

pub(crate) async fn handle(api: web::Data<AdminApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let agents = api.agents.list(tenant_id(&path)?).await?;
    let agents: Vec<AgentListItem> = agents.iter().map(AgentListItem::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "agents": agents })))
}
