//! `PUT /api/admin/tenants/{id}/quota`: moves a tenant to another tier; answers the updated tenant.

use actix_web::{HttpResponse, web};
use ares_domain::Tier;
use serde::Deserialize;

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::TenantDetailsView;

#[derive(Deserialize)]
pub(crate) struct Body {
    tier: String,
}

pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let tier: Tier = body.tier.parse()?;
    let details = api.tenants.change_tier(id, tier).await?;
    tracing::info!(tenant.id = %id, tenant.tier = %tier, "tenant tier changed");
    Ok(HttpResponse::Ok().json(TenantDetailsView::from(&details)))
}
