//! `POST /api/chat/stream`: a signed-in user's chat as Server-Sent Events of plain text, `data: <chunk>` as the
//! answer is written (a chunk's line breaks split it over several `data:` lines of one event, as SSE joins them).
//! The exchange is kept when the stream ends, and when the client leaves first: what was written is kept and
//! metered, and the upstream call is dropped.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use ares_application::ports::StreamEvent;
use ares_application::usecases::{StreamEnd, Streamed};
use futures_util::StreamExt;

use super::UserChatBody;
use crate::ApiError;
use crate::extract::parse_json;
use crate::metered::{Started, event_stream};
use crate::session_auth::Member;
use crate::views::ErrorView;

/// The response header that names the conversation a streamed exchange is kept in.
pub(crate) const CONTEXT_ID_HEADER: &str = "x-context-id";

/// A user's chat, streamed as text chunks.
///
/// `data: Here's` ... one event per chunk; the connection closes when the answer is complete. The `X-Context-Id`
/// header names the conversation the exchange is kept in. An error before the stream starts is a plain JSON error
/// with its status; one after it ends the stream with an `event: error`.
#[utoipa::path(
    post,
    path = "/api/chat/stream",
    operation_id = "userChatStream",
    tag = "chat",
    request_body = UserChatBody,
    responses(
        (status = 200, description = "Server-Sent Events, each `data:` a chunk of the answer's text",
         body = String, content_type = "text/event-stream",
         headers(("X-Context-Id" = String, description = "The conversation the exchange is kept in"))),
        (status = 404, description = "No agent of that name, or no conversation `context_id` of the user's", body = ErrorView),
        (status = 422, description = "A message role that is not system, user or assistant", body = ErrorView),
        (status = 502, description = "The provider failed before the stream started", body = ErrorView),
        (status = 504, description = "The provider did not answer in time", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let input = parse_json::<UserChatBody>(&body)?.input()?;
    let chat = member.api.chat.prepare(&member.caller, input).await?;
    let context_id = chat.context_id();
    let mut response = member.meter().stream(&chat, render).await?;
    if let Some(id) = context_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        response.headers_mut().insert(HeaderName::from_static(CONTEXT_ID_HEADER), id);
    }
    Ok(response)
}

/// The stream as text chunks.
fn render(started: Started) -> HttpResponse {
    event_stream(started.events.filter_map(|item| async move { frame(&item) }))
}

fn frame(item: &Streamed) -> Option<Bytes> {
    match item {
        Streamed::Event(StreamEvent::Text(text)) if !text.is_empty() => Some(text_event(None, text)),
        Streamed::End(StreamEnd { error: Some(error), .. }) => Some(text_event(Some("error"), error)),
        Streamed::Event(_) | Streamed::End(_) => None,
    }
}

/// One event carrying `text`, each of its lines a `data:` line.
fn text_event(kind: Option<&str>, text: &str) -> Bytes {
    let mut event = String::with_capacity(text.len() + 16);
    if let Some(kind) = kind {
        event.push_str(&format!("event: {kind}\n"));
    }
    for line in text.split('\n') {
        event.push_str("data: ");
        event.push_str(line.strip_suffix('\r').unwrap_or(line));
        event.push('\n');
    }
    event.push('\n');
    Bytes::from(event)
}

#[cfg(test)]
mod tests {
    use super::text_event;

    #[test]
    fn a_chunk_with_line_breaks_is_one_event_of_several_data_lines() {
        assert_eq!(text_event(None, "Here's"), "data: Here's\n\n");
        assert_eq!(text_event(None, "a\nb"), "data: a\ndata: b\n\n");
        assert_eq!(text_event(Some("error"), "failed"), "event: error\ndata: failed\n\n");
    }
}
