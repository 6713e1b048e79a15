//! `POST /v1/api-keys` `{"name", "expires_in_days"?}`: a new key for the caller's tenant (201); `secret` is shown
//! this once. Without `expires_in_days` the key does not expire.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;

use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::handlers::api_keys::KeyBody;
use crate::metered::Reply;
use crate::views::{ErrorView, IssuedClientKeyView};

/// A new key for the caller's tenant (201).
///
/// `secret` is shown this once. Without `expires_in_days` the key does not expire.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    operation_id = "createApiKey",
    tag = "client",
    request_body = KeyBody,
    responses(
        (status = 201, description = "The key, its secret shown this once", body = IssuedClientKeyView),
        (status = 409, description = "The tenant has as many live keys as it may", body = ErrorView),
        (status = 422, description = "An invalid name or lifetime", body = ErrorView),
    ),
)]
pub(crate) async fn handle(client: Client, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    client
        .respond(0, Record::default(), |_| async {
            let (name, lifetime) = parse_json::<KeyBody>(&body)?.checked()?;
            let issued = client.api.api_keys.issue(client.tenant_id, name, lifetime, &client.actor).await?;
            tracing::info!(tenant.id = %client.tenant_id, api_key.id = %issued.key.id, "api key issued by the client");
            Ok(Reply::new(HttpResponse::Created().json(IssuedClientKeyView::from(&issued))))
        })
        .await
}
