//! `GET /api/admin/tenants/{id}`: one tenant with its agent, key, run and token counts.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::{ErrorView, TenantDetailsView};

/// One tenant with its agent, key, run and token counts.
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}",
    operation_id = "getTenant",
    tag = "tenants",
    params(("id" = String, Path, description = "The tenant's id (a UUID)")),
    responses(
        (status = 200, description = "The tenant and this month's figures", body = TenantDetailsView),
        (status = 404, description = "No such tenant", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let details = api.tenants.details(id).await?;
    Ok(HttpResponse::Ok().json(TenantDetailsView::from(&details)))
}
