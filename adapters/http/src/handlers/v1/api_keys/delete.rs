//! `DELETE /v1/api-keys/{id}`: revokes one of the caller's keys (204). It stops working at once here, and on every
//! other instance within the authentication cache's second. Another tenant's key is "not found".

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;
use ares_domain::ApiKeyId;

use crate::ApiError;
use crate::client_auth::Client;
use crate::metered::Reply;
use crate::views::ErrorView;

/// Revokes one of the caller's keys (204).
///
/// It stops working at once here, and on every other instance within the authentication cache's second. Another
/// tenant's key is "not found".
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    operation_id = "revokeApiKey",
    tag = "client",
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "The caller has no key of that id", body = ErrorView),
    ),
)]
pub(crate) async fn handle(client: Client, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    client
        .respond(0, Record::default(), |_| async {
            let id: ApiKeyId = path.parse().map_err(|_| ApiError::NotFound("API key not found".into()))?;
            client.api.api_keys.revoke(client.tenant_id, id, &client.actor).await?;
            tracing::info!(tenant.id = %client.tenant_id, api_key.id = %id, "api key revoked by the client");
            Ok(Reply::new(HttpResponse::NoContent().finish()))
        })
        .await
}
