//! `POST /api/admin/providers`: defines a provider and routes to it at once (201).

use actix_web::{HttpResponse, web};
use ares_application::usecases::NewProvider;
use ares_domain::{Actor, Credential, NetworkConfig, ProviderKind, ProviderLimits, ProviderName};

use super::{ProviderBody, missing};
use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ErrorView, ProviderView};

/// Defines a provider and routes to it at once (201).
#[utoipa::path(
    post,
    path = "/api/admin/providers",
    operation_id = "createProvider",
    tag = "providers",
    request_body = ProviderBody,
    responses(
        (status = 201, description = "The provider, routed to at once", body = ProviderView),
        (status = 409, description = "A provider of that id exists, or a model name another provider serves", body = ErrorView),
        (status = 422, description = "An invalid field", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<ProviderApi>,
    body: web::Json<ProviderBody>,
) -> Result<HttpResponse, ApiError> {
    let new = new_provider(body.into_inner())?;
    let details = api.providers.create(new, &Actor::Admin).await?;
    tracing::info!(provider = %details.provider.name, "provider created");
    Ok(HttpResponse::Created().json(ProviderView::from(&details)))
}

fn new_provider(mut body: ProviderBody) -> Result<NewProvider, ApiError> {
    let name = ProviderName::parse(body.id.as_deref().ok_or_else(|| missing("id"))?)?;
    let kind: ProviderKind = body.kind.as_deref().ok_or_else(|| missing("type"))?.parse()?;
    let credential = body.credential()?.unwrap_or(Credential::None);
    let models = body.models()?.unwrap_or_default();
    let (requests_per_day, tokens_per_minute) = body.limits();
    Ok(NewProvider {
        name,
        kind,
        base_url: body.base_url,
        credential,
        models,
        limits: ProviderLimits {
            requests_per_day: requests_per_day.flatten(),
            tokens_per_minute: tokens_per_minute.flatten(),
        },
        network: body.network.unwrap_or_default().over(NetworkConfig::default())?,
        enabled: body.enabled.unwrap_or(true),
    })
}
