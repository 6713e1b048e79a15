//! `POST /api/admin/providers/{id}/models/refresh`: asks the upstream which models it serves and keeps the list
//! (`discovered_models`); those ids become routable.

use actix_web::{HttpResponse, web};

use crate::views::ProviderView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = state.providers.refresh_models(&path).await?;
    tracing::info!(provider = %path, models = details.provider.discovered_models.len(), "provider models refreshed");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
