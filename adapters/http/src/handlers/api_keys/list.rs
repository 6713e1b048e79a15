//! `GET /api/admin/tenants/{id}/api-keys?page&per_page`: the tenant's keys, revoked ones included, oldest first,
//! by prefix only.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::ApiError;
use crate::extract::tenant_id;
use crate::handlers::v1::Pagination;
use crate::state::AdminApi;
use crate::views::ApiKeyView;

pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    query: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let listed = api.api_keys.list(tenant_id(&path)?, false, page).await?;
    let keys: Vec<ApiKeyView> = listed.keys.iter().map(ApiKeyView::from).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"keys": keys, "total": listed.total, "page": page.number(), "per_page": page.size()})))
}
