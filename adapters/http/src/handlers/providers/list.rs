//! `GET /api/admin/providers`: every provider, configured ones first, with its live api.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::ProviderView;

pub(crate) async fn handle(api: web::Data<ProviderApi>) -> Result<HttpResponse, ApiError> {
    let providers = api.providers.list().await?;
    let providers: Vec<ProviderView> = providers.iter().map(ProviderView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "providers": providers })))
}
