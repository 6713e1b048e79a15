//! `GET /api/admin/tenants/{id}/usage`: the tenant's usage this calendar month, with its quotas.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::InsightApi;
use crate::views::{ErrorView, TenantUsageView};

/// The tenant's usage this calendar month (UTC), with its quotas (`null` for unlimited).
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}/usage",
    operation_id = "getTenantUsage",
    tag = "usage",
    params(("id" = String, Path, description = "The tenant's id")),
    responses(
        (status = 200, description = "This month's usage and quotas", body = TenantUsageView),
        (status = 404, description = "No such tenant", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<InsightApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let usage = api.reports.usage(tenant_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(TenantUsageView::from(&usage)))
}
