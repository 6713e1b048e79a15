//! `GET /v1/api-keys`: the caller's live keys, by prefix only.

use actix_web::HttpResponse;
use ares_application::usecases::Record;
use serde_json::json;

use crate::ApiError;
use crate::client_auth::Client;
use crate::metered::Reply;
use crate::views::ClientKeyView;

pub(crate) async fn handle(client: Client) -> Result<HttpResponse, ApiError> {
    client
        .respond(0, Record::default(), |_| async {
            let keys = client.api.api_keys.list(client.tenant_id).await?;
            let keys: Vec<ClientKeyView> = keys.iter().filter(|k| !k.revoked).map(ClientKeyView::from).collect();
            Ok(Reply::ok(&json!({ "keys": keys })))
        })
        .await
}
