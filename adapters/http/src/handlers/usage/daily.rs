//! `GET /api/admin/tenants/{id}/usage/daily?days=30`: the tenant's last days, every one, newest first.

use actix_web::{HttpResponse, web};
use ares_application::usecases::MAX_REPORT_DAYS;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::InsightApi;
use crate::views::{DailyUsageList, DailyUsageView, ErrorView};

/// `?days=30`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DaysQuery {
    /// How many days back, today (UTC) included: 1 to 366 (default 30).
    #[param(minimum = 1, maximum = 366)]
    days: Option<u32>,
}

/// The tenant's last `days` days, today (UTC) included, newest first; days without usage are listed with zeros.
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}/usage/daily",
    operation_id = "getTenantDailyUsage",
    tag = "usage",
    params(("id" = String, Path, description = "The tenant's id"), DaysQuery),
    responses(
        (status = 200, description = "Every day of the window, newest first", body = DailyUsageList),
        (status = 400, description = "`days` is not between 1 and 366", body = ErrorView),
        (status = 404, description = "No such tenant", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    path: web::Path<String>,
    query: web::Query<DaysQuery>,
) -> Result<HttpResponse, ApiError> {
    let days = query.days.unwrap_or(30);
    if !(1..=MAX_REPORT_DAYS).contains(&days) {
        return Err(ApiError::BadRequest(format!("days must be between 1 and {MAX_REPORT_DAYS}")));
    }
    let daily = api.reports.daily(tenant_id(&path)?, days).await?;
    Ok(HttpResponse::Ok().json(DailyUsageList { daily: daily.iter().map(DailyUsageView::from).collect() }))
}
