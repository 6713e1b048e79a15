//! `POST /api/admin/providers/{id}/enable`: lets requests reach the provider again, at once.

use actix_web::{HttpResponse, web};

use crate::views::ProviderView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = state.providers.set_enabled(&path, true).await?;
    tracing::info!(provider = %path, "provider enabled");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
