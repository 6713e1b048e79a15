//! `GET /api/admin/providers/{id}`: one provider, with its circuit state and why it is unavailable, if it is.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::ProviderApi;
use crate::views::ProviderView;

pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = api.providers.get(&path).await?;
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
