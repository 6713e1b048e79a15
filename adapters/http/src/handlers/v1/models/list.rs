//! `GET /v1/models`: every configured model, then the caller's agents as `agent/<name>`.

use actix_web::HttpResponse;
use ares_application::usecases::Record;

use crate::ApiError;
use crate::client_auth::Client;
use crate::metered::Reply;
use crate::views::openai::models;
use ares_llm::wire::openai::ModelList;

/// Every configured model, then the caller's agents as `agent/<name>`.
#[utoipa::path(
    get,
    path = "/v1/models",
    operation_id = "listOpenAiModels",
    tag = "openai",
    responses((status = 200, description = "Every model, then the caller's agents as `agent/<name>`", body = ModelList)),
)]
pub(crate) async fn handle(client: Client) -> Result<HttpResponse, ApiError> {
    client
        .respond(0, Record::default(), |_| async {
            let callable = client.api.chat.callable(client.tenant_id).await?;
            Ok(Reply::ok(&models(&callable)))
        })
        .await
}
