//! `POST /api/admin/providers/{id}/enable`: lets requests reach the provider again, at once.

use actix_web::{HttpResponse, web};
use ares_domain::Actor;

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ErrorView, ProviderView};

/// Lets requests reach the provider again, at once.
#[utoipa::path(
    post,
    path = "/api/admin/providers/{id}/enable",
    operation_id = "enableProvider",
    tag = "providers",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "The provider, enabled", body = ProviderView),
        (status = 404, description = "No such provider", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = api.providers.set_enabled(&path, true, &Actor::Admin).await?;
    tracing::info!(provider = %path, "provider enabled");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
