//! `GET /api/admin/stats`: the platform's totals for the current UTC day.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::InsightApi;
use crate::views::PlatformStatsView;

/// Tenants, agents, today's (UTC) runs, tokens, requests and cost over every tenant, and the open alerts.
#[utoipa::path(
    get,
    path = "/api/admin/stats",
    operation_id = "getPlatformStats",
    tag = "usage",
    responses((status = 200, description = "The platform's totals", body = PlatformStatsView)),
)]
pub(crate) async fn handle(api: web::Data<InsightApi>) -> Result<HttpResponse, ApiError> {
    let stats = api.reports.platform().await?;
    Ok(HttpResponse::Ok().json(PlatformStatsView::from(&stats)))
}
