//! `PUT /api/admin/tenants/{id}/quota`: moves a tenant to another tier; answers the updated tenant.

use actix_web::{HttpResponse, web};
use ares_domain::{Actor, Tier};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::{ErrorView, TenantDetailsView, TierName};

/// The tier to move to.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TierBody {
    #[schema(value_type = TierName, example = "enterprise")]
    tier: String,
}

/// Moves a tenant to another tier and answers the updated tenant.
#[utoipa::path(
    put,
    path = "/api/admin/tenants/{id}/quota",
    operation_id = "updateTenantQuota",
    tag = "tenants",
    params(("id" = String, Path, description = "The tenant's id")),
    request_body = TierBody,
    responses(
        (status = 200, description = "The tenant on its new tier", body = TenantDetailsView),
        (status = 404, description = "No such tenant", body = ErrorView),
        (status = 422, description = "An unknown tier", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Json<TierBody>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let tier: Tier = body.tier.parse()?;
    let details = api.tenants.change_tier(id, tier, &Actor::Admin).await?;
    tracing::info!(tenant.id = %id, tenant.tier = %tier, "tenant tier changed");
    Ok(HttpResponse::Ok().json(TenantDetailsView::from(&details)))
}
