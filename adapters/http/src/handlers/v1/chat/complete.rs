//! `POST /v1/chat`: the whole answer, `{"id", "content", "model", "tokens_used", "finish_reason"}` with the
//! Quickstart's `{"response", "agent", "context_id", "sources"}`. With `"stream": true` it answers as
//! `/v1/chat/stream`.

use actix_web::{HttpResponse, web};

use super::ChatBody;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::Reply;
use crate::views::{ChatView, ErrorView, StreamEventView};

/// A chat, answered whole.
///
/// `{"id", "content", "model", "tokens_used", "finish_reason"}`.
/// With `"stream": true` it answers as `/v1/chat/stream`.
#[utoipa::path(
    post,
    path = "/v1/chat",
    operation_id = "chat",
    tag = "client",
    request_body = ChatBody,
    responses(
        (status = 200, description = "The whole answer; with `\"stream\": true`, the events of `/v1/chat/stream`",
         content(
            (ChatView = "application/json"),
            (StreamEventView = "text/event-stream"),
         )),
        (status = 404, description = "The caller has no agent of that type, or no conversation `context_id`", body = ErrorView),
        (status = 409, description = "The agent is disabled", body = ErrorView),
        (status = 422, description = "An unknown model, a role, temperature or max_tokens out of range", body = ErrorView),
        (status = 502, description = "The provider failed", body = ErrorView),
        (status = 504, description = "The provider did not answer in time", body = ErrorView),
    ),
)]
pub(crate) async fn handle(client: Client, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body = parse_json::<ChatBody>(&body)?;
    let streamed = body.stream;
    let chat = client.api.chat.prepare(&client.caller, body.input()?).await?;
    if streamed {
        return client.stream(&chat, super::stream::render(chat.context_id())).await;
    }
    let (chat, service) = (&chat, &client.api.chat);
    client
        .respond(chat.reserve, chat.record(), |budget| async move {
            let routed = match service.complete(chat, &budget).await {
                Ok(routed) => routed,
                Err(err) => return Ok(Reply::route_failed(chat, err)),
            };
            let view = ChatView::new(chat, &routed.value, &routed.model);
            Ok(Reply::ok(&view).recording(chat.answered(&routed)))
        })
        .await
}
