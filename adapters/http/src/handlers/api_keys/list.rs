//! `GET /api/admin/tenants/{id}/api-keys`: the tenant's keys, by prefix only.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::extract::tenant_id;
use crate::views::ApiKeyView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let keys = state.api_keys.list(tenant_id(&path)?).await?;
    let keys: Vec<ApiKeyView> = keys.iter().map(ApiKeyView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "keys": keys })))
}
