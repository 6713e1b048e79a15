//! `GET /v1/models/{id}`: one model or agent (`agent/<name>`, the slash included) the caller may name; 404 in
//! OpenAI's shape otherwise.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;

use crate::ApiError;
use crate::client_auth::Client;
use crate::metered::Reply;
use crate::views::openai::model;
use ares_llm::wire::openai::{ErrorBody, Model};

/// One model or agent (`agent/<name>`, the slash included) the caller may name.
///
/// 404 in OpenAI's shape otherwise.
#[utoipa::path(
    get,
    path = "/v1/models/{id}",
    operation_id = "getOpenAiModel",
    tag = "openai",
    params(("id" = String, Path, description = "A model's name, or `agent/<name>` (the slash included)")),
    responses(
        (status = 200, description = "The model", body = Model),
        (status = 404, description = "No such model the caller may name", body = ErrorBody),
    ),
)]
pub(crate) async fn handle(client: Client, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    client
        .respond(0, Record::default(), |_| async {
            let callable = client.api.chat.callable(client.tenant_id).await?;
            let found =
                callable.iter().find(|c| c.id == *path).ok_or_else(|| ApiError::UnknownModel(unknown(&path)))?;
            Ok(Reply::ok(&model(found)))
        })
        .await
}

fn unknown(id: &str) -> String {
    format!("The model '{id}' does not exist or you do not have access to it.")
}
