//! The HTTP side of the application's metered path: a handler hands its work to `Meter::respond` (or its stream
//! to `Meter::stream`), through its client's or signed-in user's `meter()`, and gets back the response with the
//! quota headers. Admission, settlement and the
//! record of an abandoned request happen in the application; here the response's status is what is recorded.

use std::convert::Infallible;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, ResponseError};
use ares_application::usecases::{
    Budget, Call, Caller, ChatService, Finished, Metered, MeteredPath, PreparedChat, Record, RouteError, Streamed,
    prompt_chars,
};
use ares_domain::quota::QuotaHeaders;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use serde::Serialize;

use crate::ApiError;
use crate::client_auth::Client;
use crate::error::Failure;
use crate::openai_errors::openai_status;
use crate::views::timestamp;

/// A handler's answer, and what to record of the request with it.
pub(crate) struct Reply {
    response: HttpResponse,
    record: Option<Record>,
}

impl Reply {
    /// `200 OK` with `view` as JSON.
    pub(crate) fn ok(view: &impl Serialize) -> Self {
        Reply::new(HttpResponse::Ok().json(view))
    }

    pub(crate) fn new(response: HttpResponse) -> Self {
        Reply { response, record: None }
    }

    /// The error `err` routing `chat` failed with, recording the provider it called, if any (a run then).
    pub(crate) fn route_failed(chat: &PreparedChat, err: RouteError) -> Self {
        let record = chat.failed(&err);
        Reply::new(ApiError::from(err).error_response()).recording(record)
    }

    /// Records `record` with the request (instead of what was asked for).
    pub(crate) fn recording(mut self, record: Record) -> Self {
        self.record = Some(record);
        self
    }
}

/// A metered stream as it starts: the model that answers, and the pieces (the first one already read, so the
/// headers and the first event leave together).
pub(crate) struct Started {
    pub model: String,
    pub events: BoxStream<'static, Streamed>,
}

/// One caller's way through the metered path: an API key's client, or a signed-in user.
pub(crate) struct Meter<'a> {
    pub(crate) path: &'a MeteredPath,
    pub(crate) chat: &'a ChatService,
    pub(crate) caller: Caller,
    pub(crate) endpoint: &'a str,
    /// Whether the route answers in the OpenAI-compatible family's shapes and statuses.
    pub(crate) openai: bool,
}

impl Client {
    /// This client's way through the metered path.
    pub(crate) fn meter(&self) -> Meter<'_> {
        Meter {
            path: &self.api.meter,
            chat: &self.api.chat,
            caller: self.caller,
            endpoint: &self.endpoint,
            openai: self.openai,
        }
    }

    /// As [`Meter::respond`].
    pub(crate) async fn respond<W, F>(&self, reserve: u64, asked: Record, work: W) -> Result<HttpResponse, ApiError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Result<Reply, ApiError>>,
    {
        self.meter().respond(reserve, asked, work).await
    }

    /// As [`Meter::respond_counted`].
    pub(crate) async fn respond_counted<W, F>(&self, work: W) -> Result<HttpResponse, ApiError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Result<Reply, ApiError>>,
    {
        self.meter().respond_counted(work).await
    }

    /// As [`Meter::stream`].
    pub(crate) async fn stream(
        &self,
        chat: &PreparedChat,
        render: impl FnOnce(Started) -> HttpResponse,
    ) -> Result<HttpResponse, ApiError> {
        self.meter().stream(chat, render).await
    }
}

impl Meter<'_> {
    fn call(&self, refusable: bool) -> Call {
        Call { caller: self.caller, endpoint: self.endpoint.to_owned(), refusable }
    }

    /// The status `response` is answered with: its own, or the OpenAI-compatible family's for its error.
    fn status(&self, response: &HttpResponse) -> u16 {
        let failure = response.extensions().get::<Failure>().cloned().filter(|_| self.openai);
        match failure {
            Some(failure) => openai_status(response.status(), &failure).as_u16(),
            None => response.status().as_u16(),
        }
    }

    /// Runs `work` as one metered request reserving `reserve` tokens: `asked` is recorded when it fails, what its
    /// reply says when it succeeds. Answers with the quota headers.
    pub(crate) async fn respond<W, F>(&self, reserve: u64, asked: Record, work: W) -> Result<HttpResponse, ApiError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Result<Reply, ApiError>>,
    {
        self.respond_to(self.call(true), reserve, asked, work).await
    }

    /// Runs `work` as one metered request that is counted but never refused by a limit: what a client at its
    /// limit needs to find out why, and when it resets (its usage, its keys).
    pub(crate) async fn respond_counted<W, F>(&self, work: W) -> Result<HttpResponse, ApiError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Result<Reply, ApiError>>,
    {
        self.respond_to(self.call(false), 0, Record::default(), work).await
    }

    async fn respond_to<W, F>(&self, call: Call, reserve: u64, asked: Record, work: W) -> Result<HttpResponse, ApiError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Result<Reply, ApiError>>,
    {
        let metered = self
            .path
            .run(call, reserve, |budget| async move {
                let (value, record) = match work(budget).await {
                    Ok(reply) => (reply.response, reply.record.unwrap_or(asked)),
                    Err(err) => (err.error_response(), asked.failed()),
                };
                Finished { status: self.status(&value), value, record }
            })
            .await?;
        Ok(with_quota(metered))
    }

    /// Starts `chat` streamed as one metered request, and answers what `render` makes of it, with the quota
    /// headers. A stream that cannot start answers its error as JSON.
    pub(crate) async fn stream(
        &self,
        chat: &PreparedChat,
        render: impl FnOnce(Started) -> HttpResponse,
    ) -> Result<HttpResponse, ApiError> {
        let start = |budget| self.chat.stream(chat, budget);
        let status_of = |err: &_| self.status(&ApiError::from(Clone::clone(err)).error_response());
        let metered = self.path.stream(
            self.call(true),
            chat.reserve,
            chat.record(),
            prompt_chars(&chat.request),
            start,
            status_of,
        );
        let Metered { value, quota } = metered.await?;
        let response = match value {
            Err(err) => ApiError::from(err).error_response(),
            Ok(mut stream) => {
                let first = stream.next().await;
                let model = std::mem::take(&mut stream.model);
                render(Started { model, events: futures_util::stream::iter(first).chain(stream).boxed() })
            }
        };
        Ok(with_quota(Metered { value: response, quota }))
    }
}

/// A `text/event-stream` response of `frames`.
pub(crate) fn event_stream(frames: impl Stream<Item = Bytes> + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(frames.map(Ok::<_, Infallible>))
}

/// One server-sent event carrying `data` as JSON.
pub(crate) fn sse_frame(data: &impl Serialize) -> Bytes {
    let mut frame = b"data: ".to_vec();
    if serde_json::to_writer(&mut frame, data).is_err() {
        frame.extend_from_slice(b"{}");
    }
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

fn with_quota(metered: Metered<HttpResponse>) -> HttpResponse {
    let Metered { value: mut response, quota } = metered;
    apply(&mut response, &quota);
    response
}

/// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `X-Quota-Tokens-Remaining`; a limit the
/// tier does not have is not sent.
fn apply(response: &mut HttpResponse, quota: &QuotaHeaders) {
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    if let Some((limit, remaining, reset)) = quota.requests {
        set("x-ratelimit-limit", limit.to_string());
        set("x-ratelimit-remaining", remaining.to_string());
        set("x-ratelimit-reset", timestamp(reset));
    }
    if let Some(tokens) = quota.tokens_remaining {
        set("x-quota-tokens-remaining", tokens.to_string());
    }
}
