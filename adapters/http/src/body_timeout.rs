//! A bound on how long a request's body may take to arrive (`[server] body_timeout`): a client that sends its
//! headers and then too little of its body, or trickles it, gets `408` with the JSON error shape once the time is
//! up, and the connection is closed. A slow client costs at most that long.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::ApiError;

/// What a request's payload is made of (actix's own alias, which actix-web does not re-export).
type BoxedPayloadStream = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// How long a request's whole body may take, from the moment its headers arrived.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Middleware: bounds the body of every request by the app's `BodyTimeout`, and answers 408 when it ran out.
///
/// # Errors
/// Those of the wrapped service.
pub async fn bound_body(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(BodyTimeout(limit)) = request.app_data::<BodyTimeout>().copied() else {
        return next.call(request).await.map(ServiceResponse::map_into_left_body);
    };
    let expired = Arc::new(AtomicBool::new(false));
    let (_, payload) = request.parts_mut();
    let body = std::mem::replace(payload, Payload::None);
    let deadline = tokio::time::Instant::now() + limit;
    let bounded = Deadline { body, deadline, sleep: None, expired: expired.clone() };
    request.set_payload(Payload::from(Box::pin(bounded) as BoxedPayloadStream));
    let response = next.call(request).await?;
    if !expired.load(Ordering::Acquire) {
        return Ok(response.map_into_left_body());
    }
    tracing::info!(timeout_ms = limit.as_millis(), "request body not received in time");
    let mut timed_out = ApiError::RequestTimeout.error_response();
    timed_out.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(request, timed_out.map_into_boxed_body()).map_into_right_body())
}

/// The body, until its deadline: then an error, and the deadline is marked as passed. The timer is set only once
/// the body has to be waited for (most bodies arrive with their headers).
struct Deadline {
    body: Payload,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    expired: Arc<AtomicBool>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(item);
        }
        let deadline = self.deadline;
        let sleep = self.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired.store(true, Ordering::Release);
                let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timed out");
                Poll::Ready(Some(Err(PayloadError::Io(timed_out))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn deadline(body: impl Stream<Item = Result<Bytes, PayloadError>> + 'static, limit: Duration) -> Deadline {
        let body = Payload::from(Box::pin(body) as BoxedPayloadStream);
        Deadline { body, deadline: Instant::now() + limit, sleep: None, expired: Arc::default() }
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_fails_at_the_deadline_and_says_so() {
        let stalled =
            futures_util::stream::iter([Ok(Bytes::from_static(b"hel"))]).chain(futures_util::stream::pending());
        let mut body = deadline(stalled, Duration::from_secs(10));
        assert_eq!(body.next().await.unwrap().unwrap(), "hel");
        let started = tokio::time::Instant::now();
        assert!(matches!(body.next().await, Some(Err(PayloadError::Io(_)))));
        assert_eq!(started.elapsed(), Duration::from_secs(10), "not before the deadline");
        assert!(body.expired.load(Ordering::Acquire));
    }

    #[tokio::test(start_paused = true)]
    async fn a_whole_body_goes_through_untouched() {
        let whole = futures_util::stream::iter([Ok(Bytes::from_static(b"hello"))]);
        let mut body = deadline(whole, Duration::from_secs(10));
        assert_eq!(body.next().await.unwrap().unwrap(), "hello");
        assert!(body.next().await.is_none());
        assert!(!body.expired.load(Ordering::Acquire));
    }
}
