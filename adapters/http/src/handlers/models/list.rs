//! `GET /api/admin/models`: every configured model across providers, with whether it can be served now and why
//! not.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::ModelListItem;

pub(crate) async fn handle(api: web::Data<ProviderApi>) -> Result<HttpResponse, ApiError> {
    let models: Vec<ModelListItem> = api.router.models().iter().map(ModelListItem::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "models": models })))
}
