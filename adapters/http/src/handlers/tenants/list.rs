//! `GET /api/admin/tenants`: every tenant with its agent count.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::views::TenantListItem;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let tenants = state.tenants.list().await?;
    let tenants: Vec<TenantListItem> = tenants.iter().map(TenantListItem::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "tenants": tenants })))
}
