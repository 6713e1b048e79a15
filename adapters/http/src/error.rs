//! The one error type of the HTTP adapter: every failure becomes the documented status and a JSON body
//! `{"error": "...", "code": "..."}`. Server errors log their cause chain once, here, and answer an opaque body.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ares_application::ports::RepoError;
use ares_application::usecases::{AgentError, ApiKeyError, ProvisionError, TenantError};
use ares_domain::{InvalidAgent, InvalidProductType, InvalidTenantName, InvalidTier};
use serde_json::json;

/// An error answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, a missing field, a value of the wrong type.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 404: no such resource, or not the caller's.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// 409: the resource already exists.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is over the configured limit.
    #[error("Request body too large")]
    PayloadTooLarge,
    /// 422: well-formed, but a value is not allowed.
    #[error("{0}")]
    Unprocessable(String),
    /// 500: the server failed; the cause is logged, never sent.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A server error from a message.
    pub fn internal(message: &'static str) -> Self {
        Self::Internal(anyhow::anyhow!(message))
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Conflict(_) => "CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::Unprocessable(_) => "VALIDATION_ERROR",
            Self::Internal(_) => "INTERNAL_ERROR",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error.cause_chain = ?cause, "request failed");
        }
        HttpResponse::build(self.status_code()).json(json!({ "error": self.to_string(), "code": self.code() }))
    }
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        Self::Internal(err.into())
    }
}

impl From<InvalidTier> for ApiError {
    fn from(err: InvalidTier) -> Self {
        Self::Unprocessable(err.to_string())
    }
}

impl From<InvalidProductType> for ApiError {
    fn from(err: InvalidProductType) -> Self {
        Self::Unprocessable(err.to_string())
    }
}

impl From<InvalidTenantName> for ApiError {
    fn from(err: InvalidTenantName) -> Self {
        Self::Unprocessable(err.to_string())
    }
}

impl From<InvalidAgent> for ApiError {
    fn from(err: InvalidAgent) -> Self {
        match err {
            InvalidAgent::ConfigType(_) => Self::BadRequest(err.to_string()),
            _ => Self::Unprocessable(err.to_string()),
        }
    }
}

impl From<TenantError> for ApiError {
    fn from(err: TenantError) -> Self {
        match err {
            TenantError::Duplicate(_) => Self::Conflict(err.to_string()),
            TenantError::NotFound => Self::NotFound(err.to_string()),
            TenantError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<ProvisionError> for ApiError {
    fn from(err: ProvisionError) -> Self {
        match err {
            ProvisionError::Duplicate(_) => Self::Conflict(err.to_string()),
            ProvisionError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<ApiKeyError> for ApiError {
    fn from(err: ApiKeyError) -> Self {
        match err {
            ApiKeyError::TenantNotFound => Self::NotFound(err.to_string()),
            ApiKeyError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<AgentError> for ApiError {
    fn from(err: AgentError) -> Self {
        match err {
            AgentError::TenantNotFound | AgentError::NotFound(_) => Self::NotFound(err.to_string()),
            AgentError::Duplicate(_) => Self::Conflict(err.to_string()),
            AgentError::Invalid(invalid) => invalid.into(),
            AgentError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    async fn body_of(err: ApiError) -> (u16, serde_json::Value) {
        let response = err.error_response();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[actix_web::test]
    async fn errors_answer_the_documented_status_and_body() {
        assert_eq!(
            body_of(ApiError::Unauthorized("Invalid admin secret")).await,
            (401, json!({"error": "Invalid admin secret", "code": "UNAUTHORIZED"}))
        );
        assert_eq!(
            body_of(InvalidTier("gold".into()).into()).await,
            (
                422,
                json!({"error": "Invalid tier: 'gold'. Valid tiers: free, dev, pro, enterprise", "code": "VALIDATION_ERROR"})
            )
        );
    }

    #[actix_web::test]
    async fn server_errors_never_reveal_their_cause() {
        let (status, body) = body_of(ApiError::Internal(anyhow::anyhow!("password=hunter2"))).await;
        assert_eq!((status, body), (500, json!({"error": "Internal server error", "code": "INTERNAL_ERROR"})));
    }
}
