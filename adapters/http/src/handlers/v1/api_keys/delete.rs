//! `DELETE /v1/api-keys/{id}`: revokes one of the caller's keys (204). It stops working at once here, and on every
//! other instance within the authentication cache's second. Another tenant's key is "not found".

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use ares_domain::ApiKeyId;

use crate::client_auth::Client;
use crate::metered::{admit, answer};
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admitted = admit(&state, &client, "DELETE /v1/api-keys/{id}", 0).await?;
    let result = async {
        let id: ApiKeyId = path.parse().map_err(|_| ApiError::NotFound("API key not found".into()))?;
        state.api_keys.revoke(client.tenant_id, id).await?;
        state.auth.forget_key(id);
        tracing::info!(tenant.id = %client.tenant_id, api_key.id = %id, "api key revoked by the client");
        Ok(HttpResponse::NoContent().finish())
    }
    .await;
    answer(admitted, Outcome::default(), result).await
}
