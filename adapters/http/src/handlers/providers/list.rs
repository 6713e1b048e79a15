//! `GET /api/admin/providers`: every provider, configured ones first, with its live state.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::views::ProviderView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let providers = state.providers.list().await?;
    let providers: Vec<ProviderView> = providers.iter().map(ProviderView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "providers": providers })))
}
