//! `POST /api/admin/providers/{id}/models/refresh`: asks the upstream which models it serves and keeps the list
//! (`discovered_models`); those ids become routable.

use actix_web::{HttpResponse, web};
use ares_domain::Actor;

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ErrorView, ProviderView};

/// Asks the upstream which models it serves and keeps the list (`discovered_models`); those ids become routable.
#[utoipa::path(
    post,
    path = "/api/admin/providers/{id}/models/refresh",
    operation_id = "refreshProviderModels",
    tag = "providers",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "The provider with its discovered models", body = ProviderView),
        (status = 404, description = "No such provider", body = ErrorView),
        (status = 502, description = "The upstream did not list its models", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = api.providers.refresh_models(&path, &Actor::Admin).await?;
    tracing::info!(provider = %path, models = details.provider.discovered_models.len(), "provider models refreshed");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
