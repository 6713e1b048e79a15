//! `POST /api/admin/tenants`: creates a bare tenant (201).

use actix_web::{HttpResponse, web};
use ares_domain::{TenantName, Tier};
use serde::Deserialize;

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::TenantView;

#[derive(Deserialize)]
pub(crate) struct Body {
    name: String,
    tier: String,
}

pub(crate) async fn handle(api: web::Data<AdminApi>, body: web::Json<Body>) -> Result<HttpResponse, ApiError> {
    let name = TenantName::parse(&body.name)?;
    let tier: Tier = body.tier.parse()?;
    let tenant = api.tenants.create(name, tier).await?;
    tracing::info!(tenant.id = %tenant.id, tenant.name = %tenant.name, "tenant created");
    Ok(HttpResponse::Created().json(TenantView::from(&tenant)))
}
