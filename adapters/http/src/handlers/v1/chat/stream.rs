//! `POST /v1/chat/stream`: Server-Sent Events, `data: {"delta": "...", "finish_reason": null}` as the answer is
//! written, ending with `data: {"delta": "", "finish_reason": "stop", "tokens_used": N}`. An error before the
//! stream starts is a plain JSON error with its status; one after it ends the stream with `"finish_reason":
//! "error"` and the `error`. The stream is relayed by a task of its own, so its usage is recorded whatever the
//! client does, and the last event is sent only once it is.

use std::convert::Infallible;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use ares_application::ports::{ChatStream, StreamEvent, Usage};
use ares_application::usecases::{Outcome, PreparedChat, Principal, RouteError, Routed, Ticket, prompt_chars};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::ChatBody;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::{admit, answer, apply};
use crate::views::finish_reason;
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let prepared = state.chat.prepare(client.tenant_id, parse_json::<ChatBody>(&body)?.input()?).await?;
    respond(state, client, prepared, "POST /v1/chat/stream").await
}

/// Admits the chat, starts the stream (failing over until its first event) and relays it.
pub(crate) async fn respond(
    state: web::Data<AppState>,
    client: Principal,
    prepared: PreparedChat,
    endpoint: &'static str,
) -> Result<HttpResponse, ApiError> {
    let admitted = admit(&state, &client, endpoint, prepared.reserve).await?;
    let outcome = Outcome {
        agent: prepared.agent.as_ref().map(|a| a.name.to_string()),
        model: Some(prepared.request.model.clone()),
        ..Outcome::default()
    };
    let routed = match state.chat.stream(&prepared).await {
        Ok(routed) => routed,
        Err(err) => return answer(admitted, outcome, Err(err.into())).await,
    };
    let ticket = admitted.into_ticket().ok_or_else(|| ApiError::internal("a fresh admission has its ticket"))?;
    let outcome = Outcome { endpoint, ..outcome };
    let quota = state.metering.headers(&ticket);
    let prompt_chars = prompt_chars(&prepared.request);
    let (sender, receiver) = mpsc::channel::<Bytes>(64);
    actix_web::rt::spawn(relay(state.into_inner(), ticket, outcome, routed, prompt_chars, sender));
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|frame| (Ok::<_, Infallible>(frame), receiver))
    });
    let mut response = HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body);
    apply(&mut response, &quota);
    Ok(response)
}

fn frame(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

/// Forwards the deltas, then records the usage and sends the last event.
async fn relay(
    state: std::sync::Arc<AppState>,
    ticket: Ticket,
    mut outcome: Outcome,
    routed: Routed<ChatStream>,
    prompt_chars: usize,
    sender: mpsc::Sender<Bytes>,
) {
    let Routed { value: mut stream, model, provider } = routed;
    let (mut usage, mut completion_chars, mut finish, mut failure, mut gone) =
        (None, 0, "stop".to_owned(), None, false);
    while let Some(event) = stream.next().await {
        match event {
            Ok(StreamEvent::Text(delta)) => {
                completion_chars += delta.len();
                if sender.send(frame(&json!({"delta": delta, "finish_reason": null}))).await.is_err() {
                    gone = true;
                    break;
                }
            }
            Ok(StreamEvent::Finish(reason)) => finish = finish_reason(&reason).to_owned(),
            Ok(StreamEvent::Usage(reported)) => usage = Some(reported),
            Ok(StreamEvent::ToolCall { .. }) => {}
            Err(error) => {
                failure = Some(RouteError::Failed { provider: provider.clone(), error }.to_string());
                break;
            }
        }
    }
    drop(stream);
    let usage = usage.unwrap_or_else(|| Usage::estimate(prompt_chars, completion_chars));
    outcome.model = Some(model);
    outcome.provider = Some(provider.to_string());
    (outcome.tokens_in, outcome.tokens_out, outcome.estimated) =
        (usage.prompt_tokens, usage.completion_tokens, usage.estimated);
    outcome.status = match (&failure, gone) {
        (Some(_), _) => 502,
        (None, true) => 499,
        (None, false) => 200,
    };
    let last = match state.metering.settle(&ticket, outcome).await {
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "cannot record a streamed chat");
            json!({"delta": "", "finish_reason": "error", "error": "Internal server error"})
        }
        Ok(_) => match failure {
            Some(error) => json!({"delta": "", "finish_reason": "error", "error": error}),
            None => json!({"delta": "", "finish_reason": finish, "tokens_used": usage.total()}),
        },
    };
    if !gone {
        let _ = sender.send(frame(&last)).await;
    }
}
