//! `POST /v1/chat/stream`: Server-Sent Events, `data: {"delta": "...", "finish_reason": null}` as the answer is
//! written, ending with `data: {"delta": "", "finish_reason": "stop", "tokens_used": N}`. An error before the
//! stream starts is a plain JSON error with its status; one after it ends the stream with `"finish_reason":
//! "error"` and the `error`. The last event is sent once the request is recorded.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use ares_application::ports::StreamEvent;
use ares_application::usecases::{StreamEnd, Streamed};
use ares_domain::ConversationId;
use futures_util::StreamExt;

use super::ChatBody;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::{Started, event_stream, sse_frame};
use crate::views::{ErrorView, StreamEventView};
use ares_llm::wire::openai::finish_reason_to_wire;

/// A chat answered as Server-Sent Events.
///
/// `data: {"delta": "...", "finish_reason": null}` as the answer is written, ending with
/// `data: {"delta": "", "finish_reason": "stop", "tokens_used": N}`.
/// An error before the stream starts is a plain JSON error with its status; one after it ends the stream with
/// `"finish_reason": "error"` and the `error`. The last event is sent once the request is recorded.
#[utoipa::path(
    post,
    path = "/v1/chat/stream",
    operation_id = "chatStream",
    tag = "client",
    request_body = ChatBody,
    responses(
        (status = 200, description = "Server-Sent Events, each `data:` one event", body = StreamEventView,
         content_type = "text/event-stream"),
        (status = 404, description = "The caller has no agent of that type", body = ErrorView),
        (status = 409, description = "The agent is disabled", body = ErrorView),
        (status = 422, description = "An unknown model, a role, temperature or max_tokens out of range", body = ErrorView),
        (status = 502, description = "The provider failed before the stream started", body = ErrorView),
        (status = 504, description = "The provider did not answer in time", body = ErrorView),
    ),
)]
pub(crate) async fn handle(client: Client, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let chat = client.api.chat.prepare(&client.caller, parse_json::<ChatBody>(&body)?.input()?).await?;
    client.stream(&chat, render(chat.context_id())).await
}

/// The stream in the V1 format: text deltas, then the last event (naming the conversation, when there is one).
pub(crate) fn render(context_id: Option<ConversationId>) -> impl FnOnce(Started) -> HttpResponse {
    move |started| {
        let context_id = context_id.map(|id| id.to_string());
        event_stream(started.events.filter_map(move |item| {
            let context_id = context_id.clone();
            async move { frame(&item, context_id) }
        }))
    }
}

fn frame(item: &Streamed, context_id: Option<String>) -> Option<Bytes> {
    let event = match item {
        Streamed::Event(StreamEvent::Text(delta)) => StreamEventView::delta(delta),
        Streamed::Event(_) => return None,
        Streamed::End(StreamEnd { error: Some(error), .. }) => StreamEventView::failed(error),
        Streamed::End(StreamEnd { finish, usage, error: None }) => {
            StreamEventView::finished(finish_reason_to_wire(finish), usage.total(), context_id)
        }
    };
    Some(sse_frame(&event))
}
