//! `GET /api/admin/tenants/{id}/agents/{name}/runs?limit=50`: the agent's latest runs, newest first.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::agent_name;
use crate::ApiError;
use crate::extract::{limit, tenant_id};
use crate::state::InsightApi;
use crate::views::{AdminRunList, AdminRunView, ErrorView};

/// The most runs one answer lists.
const MAX_LIMIT: u64 = 1000;

/// `?limit=50`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LimitQuery {
    /// How many of the latest runs: 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// The agent's latest runs, newest first, with why each failed.
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}/agents/{name}/runs",
    operation_id = "listTenantAgentRuns",
    tag = "usage",
    params(("id" = String, Path, description = "The tenant's id"), ("name" = String, Path, description = "The agent's name"), LimitQuery),
    responses(
        (status = 200, description = "The latest runs", body = AdminRunList),
        (status = 400, description = "`limit` is not between 1 and 1000", body = ErrorView),
        (status = 404, description = "No such tenant, or no such agent", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    path: web::Path<(String, String)>,
    query: web::Query<LimitQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = limit(query.limit, 50, MAX_LIMIT)?;
    let (id, name) = path.into_inner();
    let runs = api.reports.runs(tenant_id(&id)?, agent_name(&name)?, limit).await?;
    Ok(HttpResponse::Ok().json(AdminRunList { runs: runs.iter().map(AdminRunView::from).collect() }))
}
