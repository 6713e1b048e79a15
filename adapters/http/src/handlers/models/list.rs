//! `GET /api/admin/models`: every configured model across providers, with whether it can be served now and why
//! not.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::{ModelCatalog, ModelListItem};

/// Every configured model across providers, with whether it can be served now and why not.
#[utoipa::path(
    get,
    path = "/api/admin/models",
    operation_id = "listModels",
    tag = "catalog",
    responses((status = 200, description = "Every configured model", body = ModelCatalog)),
)]
pub(crate) async fn handle(api: web::Data<ProviderApi>) -> Result<HttpResponse, ApiError> {
    let models = api.router.models().iter().map(ModelListItem::from).collect();
    Ok(HttpResponse::Ok().json(ModelCatalog { models }))
}
