//! `GET /api/admin/tenants`: every tenant with its agent count.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::{TenantList, TenantListItem};

/// Every tenant with its agent count.
#[utoipa::path(
    get,
    path = "/api/admin/tenants",
    operation_id = "listTenants",
    tag = "tenants",
    responses((status = 200, description = "Every tenant", body = TenantList)),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>) -> Result<HttpResponse, ApiError> {
    let tenants = api.tenants.list().await?;
    Ok(HttpResponse::Ok().json(TenantList { tenants: tenants.iter().map(TenantListItem::from).collect() }))
}
