//! `POST /api/admin/tenants`: creates a bare tenant (201).

use actix_web::{HttpResponse, web};
use ares_domain::{Actor, TenantName, Tier};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::{ErrorView, TenantView, TierName};

/// A new tenant.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewTenantBody {
    /// Lowercase letters, digits and hyphens, not at either end; at most 63.
    #[schema(example = "acme-corp", pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    name: String,
    #[schema(value_type = TierName, example = "pro")]
    tier: String,
}

/// Creates a bare tenant (201).
#[utoipa::path(
    post,
    path = "/api/admin/tenants",
    operation_id = "createTenant",
    tag = "tenants",
    request_body = NewTenantBody,
    responses(
        (status = 201, description = "The tenant", body = TenantView),
        (status = 409, description = "A tenant of that name exists", body = ErrorView),
        (status = 422, description = "An invalid name or tier", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, body: web::Json<NewTenantBody>) -> Result<HttpResponse, ApiError> {
    let name = TenantName::parse(&body.name)?;
    let tier: Tier = body.tier.parse()?;
    let tenant = api.tenants.create(name, tier, &Actor::Admin).await?;
    tracing::info!(tenant.id = %tenant.id, tenant.name = %tenant.name, "tenant created");
    Ok(HttpResponse::Created().json(TenantView::from(&tenant)))
}
