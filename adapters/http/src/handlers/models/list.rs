//! `GET /api/admin/models`: every configured model across providers, with whether it can be served now and why
//! not.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::views::ModelListItem;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let models: Vec<ModelListItem> = state.router.models().iter().map(ModelListItem::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "models": models })))
}
