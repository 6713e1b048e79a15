//! Metering around a client request: admission before the work (429 with the documented message when a tier limit
//! is reached), settlement after it, whatever its outcome (the usage event is written before the answer leaves,
//! and the token reservation is always released), and the quota headers on the answer.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use ares_application::usecases::{Outcome, Principal, Ticket};
use ares_domain::quota::QuotaHeaders;

use crate::views::timestamp;
use crate::{ApiError, AppState};

/// Admits one request that may use `reserve` tokens.
pub(crate) async fn admit(state: &AppState, principal: &Principal, reserve: u64) -> Result<Ticket, ApiError> {
    Ok(state.metering.admit(principal, reserve).await?)
}

/// Records the request (with the status it is answered with) and answers `result` with the quota headers.
pub(crate) async fn answer(
    state: &AppState,
    ticket: &Ticket,
    outcome: Outcome,
    result: Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let mut response = result.unwrap_or_else(|err| err.error_response());
    let status = response.status().as_u16();
    let headers = state.metering.settle(ticket, Outcome { status, ..outcome }).await?;
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
