//! `GET /v1/api-keys`: the caller's live keys, by prefix only.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use serde_json::json;

use crate::client_auth::Client;
use crate::metered::{admit, answer};
use crate::views::ClientKeyView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, Client(client): Client) -> Result<HttpResponse, ApiError> {
    let admitted = admit(&state, &client, "GET /v1/api-keys", 0).await?;
    let result = async {
        let keys = state.api_keys.list(client.tenant_id).await?;
        let keys: Vec<ClientKeyView> = keys.iter().filter(|k| !k.revoked).map(ClientKeyView::from).collect();
        Ok(HttpResponse::Ok().json(json!({ "keys": keys })))
    }
    .await;
    answer(admitted, Outcome::default(), result).await
}
