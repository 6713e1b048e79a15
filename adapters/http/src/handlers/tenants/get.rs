//! `GET /api/admin/tenants/{id}`: one tenant with its agent, key, run and token counts.

use actix_web::{HttpResponse, web};

use crate::extract::tenant_id;
use crate::views::TenantDetailsView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let details = state.tenants.details(id).await?;
    Ok(HttpResponse::Ok().json(TenantDetailsView::from(&details)))
}
