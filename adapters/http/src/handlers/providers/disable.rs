//! `POST /api/admin/providers/{id}/disable`: stops routing to the provider, at once; its models fail over.

use actix_web::{HttpResponse, web};
use ares_domain::Actor;

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ErrorView, ProviderView};

/// Stops routing to the provider, at once; its models fail over.
#[utoipa::path(
    post,
    path = "/api/admin/providers/{id}/disable",
    operation_id = "disableProvider",
    tag = "providers",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "The provider, disabled", body = ProviderView),
        (status = 404, description = "No such provider", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = api.providers.set_enabled(&path, false, &Actor::Admin).await?;
    tracing::info!(provider = %path, "provider disabled");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
