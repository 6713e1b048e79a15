//! `POST /v1/api-keys` `{"name", "expires_in_days"?}`: a new key for the caller's tenant (201); `secret` is shown
//! this once. Without `expires_in_days` the key does not expire.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use serde::Deserialize;
use serde_json::json;

use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::handlers::api_keys::{expiry_days, key_name};
use crate::metered::{admit, answer};
use crate::views::timestamp;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct Body {
    name: String,
    expires_in_days: Option<u32>,
}

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let admitted = admit(&state, &client, "POST /v1/api-keys", 0).await?;
    let result = async {
        let Body { name, expires_in_days } = parse_json::<Body>(&body)?;
        let issued = state.api_keys.issue(client.tenant_id, key_name(name)?, expiry_days(expires_in_days)?).await?;
        tracing::info!(tenant.id = %client.tenant_id, api_key.id = %issued.key.id, "api key issued by the client");
        Ok(HttpResponse::Created().json(json!({
            "key": issued.key.id.to_string(),
            "secret": issued.raw_key.expose(),
            "name": issued.key.name,
            "prefix": issued.key.prefix,
            "created_at": timestamp(issued.key.created_at),
            "expires_at": issued.key.expires_at.map(timestamp),
        })))
    }
    .await;
    answer(admitted, Outcome::default(), result).await
}
