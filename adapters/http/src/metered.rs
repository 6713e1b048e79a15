//! Metering around a client request: admission before the work (429 with the documented message when a tier limit
//! is reached), settlement after it, whatever its outcome (the usage event is written before the answer leaves,
//! and the token reservation is always released), and the quota headers on the answer.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError, web};
use ares_application::usecases::{Outcome, Principal, Ticket};
use ares_domain::quota::QuotaHeaders;

use crate::views::timestamp;
use crate::{ApiError, AppState};

/// The status an abandoned request is recorded with (the client closed the connection first).
const CLIENT_CLOSED: u16 = 499;

/// An admitted request not yet recorded. Dropped unrecorded (the client went away and actix dropped the handler),
/// it records itself in the background as abandoned, with no tokens, so its token reservation is released.
pub(crate) struct Admitted {
    state: web::Data<AppState>,
    ticket: Option<Ticket>,
    endpoint: &'static str,
}

impl Admitted {
    /// The admission, for those who must record the request themselves (a stream's relay).
    pub(crate) fn into_ticket(mut self) -> Option<Ticket> {
        self.ticket.take()
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else { return };
        let (state, endpoint) = (self.state.clone(), self.endpoint);
        actix_web::rt::spawn(async move {
            let outcome = Outcome { endpoint, status: CLIENT_CLOSED, ..Outcome::default() };
            if let Err(err) = state.metering.settle(&ticket, outcome).await {
                tracing::warn!(error = %err, "cannot record an abandoned request");
            }
        });
    }
}

/// Admits one request to `endpoint` that may use `reserve` tokens.
pub(crate) async fn admit(
    state: &web::Data<AppState>,
    principal: &Principal,
    endpoint: &'static str,
    reserve: u64,
) -> Result<Admitted, ApiError> {
    let ticket = state.metering.admit(principal, reserve).await?;
    Ok(Admitted { state: state.clone(), ticket: Some(ticket), endpoint })
}

/// Records the request (with the status it is answered with) and answers `result` with the quota headers.
pub(crate) async fn answer(
    mut admitted: Admitted,
    outcome: Outcome,
    result: Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let Some(ticket) = admitted.ticket.take() else { return result };
    let mut response = result.unwrap_or_else(|err| err.error_response());
    let status = response.status().as_u16();
    let outcome = Outcome { status, endpoint: admitted.endpoint, ..outcome };
    let headers = admitted.state.metering.settle(&ticket, outcome).await?;
    apply(&mut response, &headers);
    Ok(response)
}

/// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `X-Quota-Tokens-Remaining`; a limit the
/// tier does not have is not sent.
pub(crate) fn apply(response: &mut HttpResponse, quota: &QuotaHeaders) {
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
