//! `GET /api/admin/tenants/{id}/api-keys`: the tenant's keys, by prefix only.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::ApiKeyView;

pub(crate) async fn handle(api: web::Data<AdminApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let keys = api.api_keys.list(tenant_id(&path)?).await?;
    let keys: Vec<ApiKeyView> = keys.iter().map(ApiKeyView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "keys": keys })))
}
