//! `POST /api/admin/tenants/{id}/api-keys`: issues a key (201); the raw key is shown this once.

use actix_web::{HttpResponse, web};
use ares_domain::Actor;

use super::KeyBody;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::{ErrorView, IssuedKeyView};

/// Issues a key (201); the raw key is shown this once.
#[utoipa::path(
    post,
    path = "/api/admin/tenants/{id}/api-keys",
    operation_id = "createTenantApiKey",
    tag = "api-keys",
    params(("id" = String, Path, description = "The tenant's id")),
    request_body = KeyBody,
    responses(
        (status = 201, description = "The key, its secret shown this once", body = IssuedKeyView),
        (status = 404, description = "No such tenant", body = ErrorView),
        (status = 409, description = "The tenant has as many live keys as it may", body = ErrorView),
        (status = 422, description = "An invalid name or lifetime", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Json<KeyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let (name, lifetime) = body.checked()?;
    let issued = api.api_keys.issue(id, name, lifetime, &Actor::Admin).await?;
    tracing::info!(tenant.id = %id, api_key.id = %issued.key.id, "api key issued");
    Ok(HttpResponse::Created().json(IssuedKeyView::from(&issued)))
}
