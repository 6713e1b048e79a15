//! `GET /api/admin/providers/{id}`: one provider, with its circuit state and why it is unavailable, if it is.

use actix_web::{HttpResponse, web};

use crate::views::ProviderView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = state.providers.get(&path).await?;
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
