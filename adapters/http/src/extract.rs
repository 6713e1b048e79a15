//! Request extraction policy: JSON body errors, body limits, path ids, and the JSON answers for unknown routes
//! and methods.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use ares_domain::TenantId;

use crate::ApiError;

/// Accepts JSON bodies up to `limit` bytes (with or without a JSON content type) and turns every body error into
/// the documented 400 or 413.
#[must_use]
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).content_type_required(false).error_handler(|err, _| json_error(err).into())
}

/// Turns a query string that does not parse (`?page=abc`) into a JSON 400.
#[must_use]
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("Invalid query string: {err}")).into())
}

/// Caps raw bodies at `limit` bytes too.
#[must_use]
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::PayloadTooLarge,
        JsonPayloadError::Deserialize(err) => syntax_or_data_error(&err),
        _ => ApiError::BadRequest("Invalid JSON in request body".into()),
    }
}

/// JSON that does not parse says so (or that it is nested too deeply to read); JSON of the wrong shape says what
/// is wrong with it.
fn syntax_or_data_error(err: &serde_json::Error) -> ApiError {
    if err.is_data() {
        data_error(&err.to_string())
    } else if err.to_string().starts_with("recursion limit exceeded") {
        ApiError::BadRequest(format!("Invalid JSON in request body: nested too deeply (at most {MAX_DEPTH} levels)"))
    } else {
        ApiError::BadRequest("Invalid JSON in request body".into())
    }
}

/// How deeply JSON may nest: serde_json's own limit.
const MAX_DEPTH: usize = 128;

/// Parses a JSON body read as bytes, with the same errors as the JSON extractor. Handlers that must authenticate
/// before they judge the body (actix extracts a handler's arguments together) take the bytes and call this.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| syntax_or_data_error(&err))
}

/// Well-formed JSON of the wrong shape: name the missing field, or say what was wrong.
fn data_error(message: &str) -> ApiError {
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    match missing {
        Some(field) => ApiError::BadRequest(format!("Missing required field: {field}")),
        None => ApiError::BadRequest(format!("Invalid request body: {message}")),
    }
}

/// A `limit` from the query: `default` when not given, else 1 to `max` (400 otherwise).
pub(crate) fn limit(given: Option<u64>, default: u64, max: u64) -> Result<u64, ApiError> {
    let limit = given.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::BadRequest(format!("limit must be between 1 and {max}")))
    }
}

/// A tenant id from the path. A malformed id names no tenant, so it is "Tenant not found" like an unknown one.
pub(crate) fn tenant_id(raw: &str) -> Result<TenantId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("Tenant not found".into()))
}

/// The default service: a JSON 404 for every unknown route.
pub async fn not_found(request: HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!("No route for {} {}", request.method(), request.path())).error_response()
}

/// Error-handler middleware body: gives the bodiless errors actix answers itself (405 on a known path, say) the
/// JSON error shape.
///
/// # Errors
/// Never; the signature is the one `ErrorHandlers` asks for.
pub fn rewrite_empty_errors<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let status = response.status();
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::NOT_FOUND => ApiError::NotFound("Not found".into()),
        _ => ApiError::BadRequest(status.canonical_reason().unwrap_or("Bad request").to_owned()),
    };
    let (request, _) = response.into_parts();
    let mut json = error.error_response();
    *json.status_mut() = status;
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, json).map_into_right_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_nested_too_deeply_says_so() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = parse_json::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "Invalid JSON in request body: nested too deeply (at most 128 levels)");
        let err = parse_json::<serde_json::Value>(b"{").unwrap_err();
        assert_eq!(err.to_string(), "Invalid JSON in request body");
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = data_error("missing field `name` at line 1 column 17");
        assert_eq!(err.to_string(), "Missing required field: name");
    }

    #[test]
    fn a_wrongly_typed_field_is_described() {
        let err = data_error("invalid type: integer `5`, expected a string at line 1 column 12");
        assert_eq!(
            err.to_string(),
            "Invalid request body: invalid type: integer `5`, expected a string at line 1 column 12"
        );
    }

    #[test]
    fn parsed_bodies_fail_like_extracted_ones() {
        #[derive(serde::Deserialize, Debug)]
        struct Body {
            #[expect(dead_code, reason = "only the parse matters")]
            name: String,
        }
        assert_eq!(parse_json::<Body>(b"{\"name\": ").unwrap_err().to_string(), "Invalid JSON in request body");
        assert_eq!(parse_json::<Body>(b"{}").unwrap_err().to_string(), "Missing required field: name");
        assert!(parse_json::<Body>(b"{\"name\": \"x\"}").is_ok());
    }

    #[test]
    fn a_malformed_id_is_an_unknown_tenant() {
        assert_eq!(tenant_id("not-a-uuid").unwrap_err().to_string(), "Tenant not found");
    }
}
