//! `POST /v1/chat/stream`: Server-Sent Events, `data: {"delta": "...", "finish_reason": null}` as the answer is
//! written, ending with `data: {"delta": "", "finish_reason": "stop", "tokens_used": N}`. An error before the
//! stream starts is a plain JSON error with its status; one after it ends the stream with `"finish_reason":
//! "error"` and the `error`. The last event is sent once the request is recorded.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use ares_application::ports::StreamEvent;
use ares_application::usecases::{StreamEnd, Streamed};
use futures_util::StreamExt;
use serde_json::json;

use super::ChatBody;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::{Started, event_stream, sse_frame};
use ares_llm::wire::openai::finish_reason_to_wire;

pub(crate) async fn handle(client: Client, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let chat = client.api.chat.prepare(client.tenant_id, parse_json::<ChatBody>(&body)?.input()?).await?;
    client.stream(&chat, render).await
}

/// The stream in the V1 format: text deltas, then the last event.
pub(crate) fn render(started: Started) -> HttpResponse {
    event_stream(started.events.filter_map(|item| async move { frame(&item) }))
}

fn frame(item: &Streamed) -> Option<Bytes> {
    match item {
        Streamed::Event(StreamEvent::Text(delta)) => Some(sse_frame(&json!({"delta": delta, "finish_reason": null}))),
        Streamed::Event(_) => None,
        Streamed::End(StreamEnd { error: Some(error), .. }) => {
            Some(sse_frame(&json!({"delta": "", "finish_reason": "error", "error": error})))
        }
        Streamed::End(StreamEnd { finish, usage, error: None }) => Some(sse_frame(
            &json!({"delta": "", "finish_reason": finish_reason_to_wire(finish), "tokens_used": usage.total()}),
        )),
    }
}
