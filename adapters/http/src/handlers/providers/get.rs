//! `GET /api/admin/providers/{id}`: one provider, with its circuit state and why it is unavailable, if it is.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ErrorView, ProviderView};

/// One provider, with its circuit state and why it is unavailable, if it is.
#[utoipa::path(
    get,
    path = "/api/admin/providers/{id}",
    operation_id = "getProvider",
    tag = "providers",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "The provider and its live state", body = ProviderView),
        (status = 404, description = "No such provider", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = api.providers.get(&path).await?;
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
