//! `POST /api/admin/provision-client`: tenant, cloned templates and first API key in one transaction (201).
//! The raw key is in this response and nowhere else.

use actix_web::{HttpResponse, web};
use ares_application::usecases::ProvisionRequest;
use ares_domain::{Actor, KeyLabel, ProductType, TenantName, Tier};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::state::AdminApi;
use crate::views::{ErrorView, ProductTypeName, ProvisionedView, TierName};

/// A client company to set up.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ProvisionBody {
    /// Lowercase letters, digits and hyphens, not at either end; at most 63.
    #[schema(example = "acme-corp", pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    name: String,
    #[schema(value_type = TierName, example = "pro")]
    tier: String,
    /// `generic`, `kasino` or `ehb`: which agent templates are cloned.
    #[schema(value_type = ProductTypeName, example = "kasino")]
    product_type: String,
    #[schema(example = "production", min_length = 1)]
    api_key_name: String,
}

/// Tenant, cloned templates and first API key in one transaction (201).
///
/// The raw key is in this response and nowhere else.
#[utoipa::path(
    post,
    path = "/api/admin/provision-client",
    operation_id = "provisionClient",
    tag = "tenants",
    request_body = ProvisionBody,
    responses(
        (status = 201, description = "The tenant, its agents and its first key, shown this once", body = ProvisionedView),
        (status = 409, description = "A tenant of that name exists", body = ErrorView),
        (status = 422, description = "An invalid name, tier, product type or key name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, body: web::Json<ProvisionBody>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = ProvisionRequest {
        name: TenantName::parse(&body.name)?,
        tier: body.tier.parse::<Tier>()?,
        product_type: body.product_type.parse::<ProductType>()?,
        api_key_name: KeyLabel::parse(&body.api_key_name)?,
    };
    let client = api.provisioning.provision(request, &Actor::Admin).await?;
    tracing::info!(tenant.id = %client.tenant.id, agents.count = client.agents.len(), "client provisioned");
    Ok(HttpResponse::Created().json(ProvisionedView::from(&client)))
}
