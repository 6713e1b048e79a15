//! `POST /api/admin/providers/{id}/disable`: stops routing to the provider, at once; its models fail over.

use actix_web::{HttpResponse, web};

use crate::views::ProviderView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let details = state.providers.set_enabled(&path, false).await?;
    tracing::info!(provider = %path, "provider disabled");
    Ok(HttpResponse::Ok().json(ProviderView::from(&details)))
}
