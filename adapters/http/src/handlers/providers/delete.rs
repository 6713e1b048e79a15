//! `DELETE /api/admin/providers/{id}`: removes a provider defined through the API (204).

use actix_web::{HttpResponse, web};
use ares_domain::Actor;

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::ErrorView;

/// Removes a provider defined through the API (204).
#[utoipa::path(
    delete,
    path = "/api/admin/providers/{id}",
    operation_id = "deleteProvider",
    tag = "providers",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such provider", body = ErrorView),
        (status = 409, description = "A configured provider: read-only here", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    api.providers.delete(&path, &Actor::Admin).await?;
    tracing::info!(provider = %path, "provider deleted");
    Ok(HttpResponse::NoContent().finish())
}
