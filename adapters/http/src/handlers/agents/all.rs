//! `GET /api/admin/agents?page&per_page`: every tenant's agents, with their tenant.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::handlers::v1::Pagination;
use crate::state::AdminApi;
use crate::views::{ErrorView, PageInfo, TenantAgentPage, TenantAgentView};

/// Every tenant's agents, with the tenant's id and name, by tenant name then agent name.
#[utoipa::path(
    get,
    path = "/api/admin/agents",
    operation_id = "listAllAgents",
    tag = "agents",
    params(Pagination),
    responses(
        (status = 200, description = "A page of every tenant's agents", body = TenantAgentPage),
        (status = 400, description = "A page outside the allowed range", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, query: web::Query<Pagination>) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let (agents, total) = api.agents.page_all(page).await?;
    let agents = agents.iter().map(|(agent, tenant)| TenantAgentView::new(agent, tenant)).collect();
    Ok(HttpResponse::Ok().json(TenantAgentPage { agents, paging: PageInfo::new(page, total) }))
}
