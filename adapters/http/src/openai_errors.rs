//! Errors in OpenAI's shape for the OpenAI-compatible routes (`/v1/chat/completions`, `/v1/models`):
//! `{"error": {"message", "type", "param", "code"}}` with the statuses the SDKs map to their exception classes.
//! Every error answer of those routes, from authentication to the quota, passes through here; its headers
//! (`Retry-After`, the quota headers) stay as they were.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use ares_llm::wire::openai::{ErrorBody, ErrorDetail};

use crate::error::Failure;

/// Middleware: rewrites the JSON error answers of the routes it wraps into OpenAI's error shape.
pub async fn openai_errors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(request).await?;
    let failure = response.response().extensions().get::<Failure>().cloned();
    let Some(failure) = failure else { return Ok(response.map_into_boxed_body()) };
    let (request, response) = response.into_parts();
    let (status, body) = openai_error(response.status(), &failure);
    let mut response = response.set_body(serde_json::to_string(&body).unwrap_or_default()).map_into_boxed_body();
    *response.status_mut() = status;
    Ok(ServiceResponse::new(request, response))
}

/// The status and body OpenAI would answer: an unknown model is 404 `model_not_found`.
fn openai_error(status: StatusCode, failure: &Failure) -> (StatusCode, ErrorBody) {
    let status = if failure.unknown_model { StatusCode::NOT_FOUND } else { status };
    let (kind, code) = match status.as_u16() {
        401 => ("authentication_error", "invalid_api_key"),
        403 => ("permission_error", "permission_denied"),
        404 if failure.unknown_model || failure.message.starts_with("Agent not found") => {
            ("invalid_request_error", "model_not_found")
        }
        404 => ("invalid_request_error", "not_found"),
        429 => ("rate_limit_error", "rate_limit_exceeded"),
        400..=499 => ("invalid_request_error", "invalid_request"),
        _ => ("api_error", "server_error"),
    };
    let param = (code == "model_not_found").then(|| "model".to_owned());
    let detail = ErrorDetail {
        message: failure.message.clone(),
        kind: kind.to_owned(),
        param,
        code: Some(if code == "invalid_request" { failure.code.to_ascii_lowercase() } else { code.to_owned() }),
    };
    (status, ErrorBody { error: detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: &str, code: &'static str, unknown_model: bool) -> Failure {
        Failure { message: message.into(), code, unknown_model }
    }

    #[test]
    fn statuses_keep_their_meaning_and_an_unknown_model_is_not_found() {
        let (status, body) = openai_error(StatusCode::UNAUTHORIZED, &failure("Invalid API key", "UNAUTHORIZED", false));
        assert_eq!((status.as_u16(), body.error.kind.as_str()), (401, "authentication_error"));
        let (status, body) =
            openai_error(StatusCode::UNPROCESSABLE_ENTITY, &failure("Unknown model: 'x'", "VALIDATION_ERROR", true));
        assert_eq!((status.as_u16(), body.error.code.as_deref()), (404, Some("model_not_found")));
        assert_eq!(body.error.param.as_deref(), Some("model"));
        let (status, body) = openai_error(
            StatusCode::TOO_MANY_REQUESTS,
            &failure("Monthly token quota exceeded", "RATE_LIMIT_EXCEEDED", false),
        );
        assert_eq!((status.as_u16(), body.error.kind.as_str()), (429, "rate_limit_error"));
        let (_, body) = openai_error(StatusCode::BAD_REQUEST, &failure("bad", "BAD_REQUEST", false));
        assert_eq!(body.error.code.as_deref(), Some("bad_request"));
        let (_, body) = openai_error(StatusCode::BAD_GATEWAY, &failure("upstream", "PROVIDER_ERROR", false));
        assert_eq!(body.error.kind, "api_error");
    }
}
