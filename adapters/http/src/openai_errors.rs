//! Errors in OpenAI's shape for the OpenAI-compatible routes (`/v1/chat/completions`, `/v1/models`):
//! `{"error": {"message", "type", "param", "code"}}` with the statuses the SDKs map to their exception classes.
//! Every error answer of those routes, from authentication to the quota, passes through here; its headers
//! (`Retry-After`, the quota headers) stay as they were.

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use ares_llm::wire::openai::{ErrorBody, ErrorDetail};

use crate::error::{Failure, Subject};

/// Marks a request of the OpenAI-compatible family, so its usage is recorded with the status it is answered with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenAiFamily;

/// Middleware: rewrites the JSON error answers of the routes it wraps into OpenAI's error shape.
pub async fn openai_errors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    request.extensions_mut().insert(OpenAiFamily);
    let response = next.call(request).await?;
    let failure = response.response().extensions().get::<Failure>().cloned();
    let Some(failure) = failure else { return Ok(response.map_into_boxed_body()) };
    let (request, response) = response.into_parts();
    let (status, body) = openai_error(response.status(), &failure);
    let mut response = response.set_body(serde_json::to_string(&body).unwrap_or_default()).map_into_boxed_body();
    *response.status_mut() = status;
    Ok(ServiceResponse::new(request, response))
}

/// The status OpenAI would answer: an unknown model or agent is 404, a disabled agent 403 (the model exists, the
/// caller may not use it).
pub(crate) fn openai_status(status: StatusCode, failure: &Failure) -> StatusCode {
    match failure.subject {
        Subject::UnknownModel | Subject::UnknownAgent => StatusCode::NOT_FOUND,
        Subject::DisabledAgent => StatusCode::FORBIDDEN,
        Subject::Other => status,
    }
}

/// The status and body OpenAI would answer.
fn openai_error(status: StatusCode, failure: &Failure) -> (StatusCode, ErrorBody) {
    let status = openai_status(status, failure);
    let (kind, code) = match status.as_u16() {
        401 => ("authentication_error", "invalid_api_key"),
        403 => ("permission_error", "permission_denied"),
        404 if failure.subject != Subject::Other => ("invalid_request_error", "model_not_found"),
        404 => ("invalid_request_error", "not_found"),
        429 => ("rate_limit_error", "rate_limit_exceeded"),
        400..=499 => ("invalid_request_error", "invalid_request"),
        _ => ("api_error", "server_error"),
    };
    let param = (failure.subject != Subject::Other).then(|| "model".to_owned());
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

    fn failure(message: &str, code: &'static str, subject: Subject) -> Failure {
        Failure { message: message.into(), code, subject }
    }

    #[test]
    fn statuses_keep_their_meaning_and_an_unknown_model_is_not_found() {
        let (status, body) =
            openai_error(StatusCode::UNAUTHORIZED, &failure("Invalid API key", "UNAUTHORIZED", Subject::Other));
        assert_eq!((status.as_u16(), body.error.kind.as_str()), (401, "authentication_error"));
        let (status, body) = openai_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &failure("Unknown model: 'x'", "VALIDATION_ERROR", Subject::UnknownModel),
        );
        assert_eq!((status.as_u16(), body.error.code.as_deref()), (404, Some("model_not_found")));
        assert_eq!(body.error.param.as_deref(), Some("model"));
        let (status, body) = openai_error(
            StatusCode::TOO_MANY_REQUESTS,
            &failure("Monthly token quota exceeded", "RATE_LIMIT_EXCEEDED", Subject::Other),
        );
        assert_eq!((status.as_u16(), body.error.kind.as_str()), (429, "rate_limit_error"));
        let (_, body) = openai_error(StatusCode::BAD_REQUEST, &failure("bad", "BAD_REQUEST", Subject::Other));
        assert_eq!(body.error.code.as_deref(), Some("bad_request"));
        let (_, body) = openai_error(StatusCode::BAD_GATEWAY, &failure("upstream", "PROVIDER_ERROR", Subject::Other));
        assert_eq!(body.error.kind, "api_error");
        let disabled = failure("Agent is disabled: x", "CONFLICT", Subject::DisabledAgent);
        let (status, body) = openai_error(StatusCode::CONFLICT, &disabled);
        assert_eq!((status.as_u16(), body.error.kind.as_str()), (403, "permission_error"));
        let unknown = failure("Agent not found: x", "NOT_FOUND", Subject::UnknownAgent);
        assert_eq!(openai_error(StatusCode::NOT_FOUND, &unknown).1.error.code.as_deref(), Some("model_not_found"));
    }
}
