//! `GET /api/admin/tenants/{id}`: one tenant with its agent, key, run and token counts.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::TenantDetailsView;

pub(crate) async fn handle(api: web::Data<AdminApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let details = api.tenants.details(id).await?;
    Ok(HttpResponse::Ok().json(TenantDetailsView::from(&details)))
}
