//! `GET /api/admin/providers`: every provider, configured ones first, with its live api.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ProviderList, ProviderView};

/// Every provider, configured ones first, with its live api.
#[utoipa::path(
    get,
    path = "/api/admin/providers",
    operation_id = "listProviders",
    tag = "providers",
    responses((status = 200, description = "Every provider, configured ones first", body = ProviderList)),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>) -> Result<HttpResponse, ApiError> {
    let providers = api.providers.list().await?;
    Ok(HttpResponse::Ok().json(ProviderList { providers: providers.iter().map(ProviderView::from).collect() }))
}
