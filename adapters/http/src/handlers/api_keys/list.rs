//! `GET /api/admin/tenants/{id}/api-keys?page&per_page`: the tenant's keys, revoked ones included, oldest first,
//! by prefix only.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::handlers::v1::Pagination;
use crate::state::AdminApi;
use crate::views::{ApiKeyPage, ApiKeyView, ErrorView, PageInfo};

/// The tenant's keys, revoked ones included, oldest first, by prefix only.
#[utoipa::path(
    get,
    path = "/api/admin/tenants/{id}/api-keys",
    operation_id = "listTenantApiKeys",
    tag = "api-keys",
    params(("id" = String, Path, description = "The tenant's id"), Pagination),
    responses(
        (status = 200, description = "A page of the tenant's keys", body = ApiKeyPage),
        (status = 404, description = "No such tenant", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    query: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let listed = api.api_keys.list(tenant_id(&path)?, false, page).await?;
    let keys = listed.keys.iter().map(ApiKeyView::from).collect();
    Ok(HttpResponse::Ok().json(ApiKeyPage { keys, paging: PageInfo::new(page, listed.total) }))
}
