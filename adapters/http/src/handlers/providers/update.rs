//! `PUT /api/admin/providers/{id}`: the fields given replace the stored ones (network settings and limits one by
//! one; a limit set to `null` is removed), applied at once. Configured providers are read-only here.

use actix_web::{HttpResponse, web};
use ares_application::usecases::ProviderPatch;
use ares_domain::Actor;

use super::ProviderBody;
use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ErrorView, ProviderView};

/// Changes a provider defined through the API.
///
/// The fields given replace the stored ones (network settings and limits one by one; a limit set to `null` is
/// removed), applied at once. Configured providers are read-only here.
#[utoipa::path(
    put,
    path = "/api/admin/providers/{id}",
    operation_id = "updateProvider",
    tag = "providers",
    params(("id" = String, Path, description = "The provider's id")),
    request_body = ProviderBody,
    responses(
        (status = 200, description = "The provider as updated", body = ProviderView),
        (status = 404, description = "No such provider", body = ErrorView),
        (status = 409, description = "A configured provider (read-only here), or a model name another provider serves", body = ErrorView),
        (status = 422, description = "An invalid field, or an attempt to change the id", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<ProviderApi>,
    path: web::Path<String>,
    body: web::Json<ProviderBody>,
) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    if body.id.as_deref().is_some_and(|id| id != path.as_str()) {
        return Err(ApiError::Unprocessable("A provider's id cannot be changed".into()));
    }
    let (requests_per_day, tokens_per_minute) = body.limits();
    let patch = ProviderPatch {
        kind: body.kind.as_deref().map(str::parse).transpose()?,
        credential: body.credential()?,
        models: body.models()?,
        base_url: body.base_url,
        requests_per_day,
        tokens_per_minute,
        network: body.network,
        enabled: body.enabled,
    };
    let details = api.providers.update(&path, patch, &Actor::Admin).await?;
    tracing::info!(provider = %details.provider.name, "provider updated");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
