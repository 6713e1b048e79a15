//! `GET /api/admin/tenants/{id}/agents/{name}/stats`: what the agent's runs add up to.

use actix_web::{HttpResponse, web};

use super::agent_name;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::InsightApi;
use crate::views::{AgentStatsView, ErrorView};

/// What the agent's runs add up to: totals, success rate, averages, the last run.
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}/agents/{name}/stats",
    operation_id = "getTenantAgentStats",
    tag = "usage",
    params(("id" = String, Path, description = "The tenant's id"), ("name" = String, Path, description = "The agent's name")),
    responses(
        (status = 200, description = "The agent's figures", body = AgentStatsView),
        (status = 404, description = "No such tenant, or no such agent", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let name = agent_name(&name)?;
    let stats = api.reports.agent_stats(tenant_id(&id)?, &name).await?;
    Ok(HttpResponse::Ok().json(AgentStatsView::new(name.as_ref(), &stats)))
}
