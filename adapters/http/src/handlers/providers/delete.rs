//! `DELETE /api/admin/providers/{id}`: removes a provider defined through the API (204).

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::state::ProviderApi;

pub(crate) async fn handle(api: web::Data<ProviderApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    api.providers.delete(&path).await?;
    tracing::info!(provider = %path, "provider deleted");
    Ok(HttpResponse::NoContent().finish())
}
