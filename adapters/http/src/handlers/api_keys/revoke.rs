//! `DELETE /api/admin/tenants/{id}/api-keys/{key_id}`: an operator revokes one of a tenant's keys (204).

use actix_web::{HttpResponse, web};
use ares_domain::{Actor, ApiKeyId};

use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::ErrorView;

/// Revokes one of the tenant's keys (204): it stops working at once here, and on every other instance within the
/// authentication cache's second.
#[utoipa::path(
    delete,
    path = "/api/admin/tenants/{id}/api-keys/{key_id}",
    operation_id = "revokeTenantApiKey",
    tag = "api-keys",
    params(("id" = String, Path, description = "The tenant's id"), ("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "The tenant has no live key of that id", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, key_id) = path.into_inner();
    let id = tenant_id(&id)?;
    let key_id: ApiKeyId = key_id.parse().map_err(|_| ApiError::NotFound("API key not found".into()))?;
    api.api_keys.revoke(id, key_id, &Actor::Admin).await?;
    tracing::info!(tenant.id = %id, api_key.id = %key_id, "api key revoked by an operator");
    Ok(HttpResponse::NoContent().finish())
}
