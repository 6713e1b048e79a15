//! `GET /api/admin/tenants`: every tenant with its agent count.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::TenantListItem;

pub(crate) async fn handle(api: web::Data<AdminApi>) -> Result<HttpResponse, ApiError> {
    let tenants = api.tenants.list().await?;
    let tenants: Vec<TenantListItem> = tenants.iter().map(TenantListItem::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "tenants": tenants })))
}
