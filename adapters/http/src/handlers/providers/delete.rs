//! `DELETE /api/admin/providers/{id}`: removes a provider defined through the API (204).

use actix_web::{HttpResponse, web};

use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    state.providers.delete(&path).await?;
    tracing::info!(provider = %path, "provider deleted");
    Ok(HttpResponse::NoContent().finish())
}
