//! `POST /v1/chat/completions`: the OpenAI Chat Completions API, metered and quota-checked like `/v1/chat`. The
//! answer is a `chat.completion`; with `"stream": true`, `chat.completion.chunk` events (the role first, then text
//! and tool-call fragments, the finish, the usage when `stream_options.include_usage` asks), then `data: [DONE]`.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use ares_application::usecases::{StreamEnd, Streamed};
use ares_llm::wire::openai::{ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ErrorBody};
use futures_util::StreamExt;

use super::openai::chat_input;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::{Reply, Started, event_stream, sse_frame};
use crate::views::openai::{Completion, stream_error};

/// The OpenAI Chat Completions API, metered and quota-checked like `/v1/chat`.
///
/// The answer is a `chat.completion`; with `"stream": true`, `chat.completion.chunk` events (the role first, then
/// text and tool-call fragments, the finish, the usage when `stream_options.include_usage` asks), then `data:
/// [DONE]`.
#[utoipa::path(
    post,
    path = "/v1/chat/completions",
    operation_id = "createChatCompletion",
    tag = "openai",
    request_body = ChatCompletionRequest,
    responses(
        (status = 200, description = "A `chat.completion`; with `\"stream\": true`, `chat.completion.chunk` events, then \
                                      `data: [DONE]`",
         content(
            (ChatCompletion = "application/json"),
            (ChatCompletionChunk = "text/event-stream"),
         )),
        (status = 403, description = "The agent (`agent/<name>`) is disabled", body = ErrorBody),
        (status = 404, description = "No such model or agent", body = ErrorBody),
        (status = 422, description = "A parameter out of range, or content ARES cannot pass on", body = ErrorBody),
        (status = 502, description = "The provider failed", body = ErrorBody),
        (status = 504, description = "The provider did not answer in time", body = ErrorBody),
    ),
)]
pub(crate) async fn handle(client: Client, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let request = parse_json::<ChatCompletionRequest>(&body)?;
    let (streamed, include_usage) = (request.is_stream(), request.include_usage());
    let chat = client.api.chat.prepare(&client.caller, chat_input(request)?).await?;
    if streamed {
        return client.stream(&chat, |started| render(started, include_usage)).await;
    }
    let (chat, service) = (&chat, &client.api.chat);
    client
        .respond(chat.reserve, chat.record(), |budget| async move {
            let routed = match service.complete(chat, &budget).await {
                Ok(routed) => routed,
                Err(err) => return Ok(Reply::route_failed(chat, err)),
            };
            let completion = Completion::new(routed.model.clone()).whole(&routed);
            Ok(Reply::ok(&completion).recording(chat.answered(&routed)))
        })
        .await
}

/// The stream as chunks: the role, each piece, then the finish (and the usage), or the error; then `[DONE]`.
fn render(started: Started, include_usage: bool) -> HttpResponse {
    let completion = Completion::new(started.model);
    let first = sse_frame(&completion.role());
    let pieces =
        started.events.flat_map(move |item| futures_util::stream::iter(frames(&completion, &item, include_usage)));
    event_stream(futures_util::stream::once(async { first }).chain(pieces))
}

fn frames(completion: &Completion, item: &Streamed, include_usage: bool) -> Vec<Bytes> {
    const DONE: &[u8] = b"data: [DONE]\n\n";
    match item {
        Streamed::Event(event) => completion.event(event).map(|chunk| sse_frame(&chunk)).into_iter().collect(),
        Streamed::End(StreamEnd { error: Some(error), .. }) => {
            vec![sse_frame(&stream_error(error)), Bytes::from_static(DONE)]
        }
        Streamed::End(StreamEnd { finish, usage, error: None }) => {
            let mut frames = vec![sse_frame(&completion.finish(finish))];
            if include_usage {
                frames.push(sse_frame(&completion.usage(*usage)));
            }
            frames.push(Bytes::from_static(DONE));
            frames
        }
    }
}
