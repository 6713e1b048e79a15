//! The one error type of the HTTP adapter: every failure becomes the documented status and a JSON body
//! `{"error": "...", "code": "..."}`. Server errors log their cause chain once, here, and answer an opaque body.

use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::{HttpResponse, ResponseError};
use ares_application::ports::ProviderError;
use ares_application::ports::{RepoError, StoreUnavailable};
use ares_application::usecases::{
    AccountError, AgentError, AlertError, ApiKeyError, AuthError, ChatError, ConversationError, MeteringError,
    ProvidersError, ProvisionError, ReportError, RouteError, RunError, TenantError, UserAgentError, UserError,
};
use ares_domain::{InvalidAgent, InvalidProductType, InvalidProvider, InvalidTenantName, InvalidTier, InvalidValue};

use crate::views::ErrorView;

/// What an error answer was, kept with the response for routes that answer errors in another shape (the
/// OpenAI-compatible family rewrites the body from it).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub message: String,
    pub code: &'static str,
    pub subject: Subject,
}

/// What a failure was about, where another shape says it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    /// No model of the name asked for.
    UnknownModel,
    /// No agent of the name asked for.
    UnknownAgent,
    /// The agent asked for is disabled.
    DisabledAgent,
    Other,
}

/// An error answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, a missing field, a value of the wrong type.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 401 or 403 about a user's session, with the code that says why (`AUTH_INVALID_TOKEN`, ...).
    #[error("{message}")]
    Session { status: StatusCode, message: String, code: &'static str },
    /// 404: no such resource, or not the caller's.
    #[error("{0}")]
    NotFound(String),
    /// 404: the caller has no agent of that name (or type).
    #[error("{0}")]
    UnknownAgent(String),
    /// 405: the path exists, the method does not.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// 408: the request's body did not arrive within `[server] body_timeout`.
    #[error("Request body not received in time")]
    RequestTimeout,
    /// 409: the resource already exists.
    #[error("{0}")]
    Conflict(String),
    /// 409: the agent asked for is disabled.
    #[error("{0}")]
    DisabledAgent(String),
    /// 413: the body is over the configured limit.
    #[error("Request body too large")]
    PayloadTooLarge,
    /// 422: well-formed, but a value is not allowed.
    #[error("{0}")]
    Unprocessable(String),
    /// 422: no model of this name, tier or upstream id (404 in the OpenAI-compatible family, as OpenAI answers).
    #[error("{0}")]
    UnknownModel(String),
    /// 429: a rate limit or quota was hit; `retry_after` in seconds, when known, is also sent as `Retry-After`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: Option<u64> },
    /// 502: an upstream provider failed, or refused ARES itself (a bad key, an unknown model id).
    #[error("{0}")]
    BadGateway(String),
    /// 503: no provider can serve the request right now.
    #[error("{0}")]
    ServiceUnavailable(String),
    /// 504: the provider did not answer in time.
    #[error("{0}")]
    GatewayTimeout(String),
    /// 500: the server failed; the cause is logged, never sent.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
}

/// What a client is told when the store cannot be reached, and when to try again.
const STORE_UNAVAILABLE: &str = "Service temporarily unavailable: the database cannot be reached";
const STORE_RETRY_AFTER_SECONDS: u64 = 5;

impl ApiError {
    /// A server error from a message.
    pub fn internal(message: &'static str) -> Self {
        Self::Internal(anyhow::anyhow!(message))
    }

    /// A server error caused by the store being unreachable: a 503 the client may retry, not a 500.
    fn store_unavailable(&self) -> bool {
        matches!(self, Self::Internal(cause) if StoreUnavailable::caused(cause))
    }

    fn message(&self) -> String {
        if self.store_unavailable() { STORE_UNAVAILABLE.to_owned() } else { self.to_string() }
    }

    fn code(&self) -> &'static str {
        if self.store_unavailable() {
            return "SERVICE_UNAVAILABLE";
        }
        match self {
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::Session { code, .. } => code,
            Self::NotFound(_) | Self::UnknownAgent(_) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::Conflict(_) | Self::DisabledAgent(_) => "CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::Unprocessable(_) | Self::UnknownModel(_) => "VALIDATION_ERROR",
            Self::TooManyRequests { .. } => "RATE_LIMIT_EXCEEDED",
            Self::BadGateway(_) => "PROVIDER_ERROR",
            Self::ServiceUnavailable(_) => "PROVIDER_UNAVAILABLE",
            Self::GatewayTimeout(_) => "PROVIDER_TIMEOUT",
            Self::Internal(_) => "INTERNAL_ERROR",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        if self.store_unavailable() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Session { status, .. } => *status,
            Self::NotFound(_) | Self::UnknownAgent(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) | Self::DisabledAgent(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable(_) | Self::UnknownModel(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error.cause_chain = ?cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        let retry_after = match self {
            Self::TooManyRequests { retry_after, .. } => *retry_after,
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.insert_header((RETRY_AFTER, seconds.to_string()));
        }
        let body = ErrorView { error: self.message(), code: self.code(), retry_after };
        if self.store_unavailable() {
            response.insert_header((RETRY_AFTER, STORE_RETRY_AFTER_SECONDS.to_string()));
        }
        let mut response = response.json(body);
        let subject = match self {
            Self::UnknownModel(_) => Subject::UnknownModel,
            Self::UnknownAgent(_) => Subject::UnknownAgent,
            Self::DisabledAgent(_) => Subject::DisabledAgent,
            _ => Subject::Other,
        };
        response.extensions_mut().insert(Failure { message: self.message(), code: self.code(), subject });
        response
    }
}

impl From<RepoError> for ApiError {
    fn from(err: RepoError) -> Self {
        Self::Internal(err.into())
    }
}

impl From<InvalidValue> for ApiError {
    fn from(err: InvalidValue) -> Self {
        Self::Unprocessable(err.to_string())
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
            ApiKeyError::TenantNotFound | ApiKeyError::NotFound => Self::NotFound(err.to_string()),
            ApiKeyError::LimitReached(_) => Self::Conflict(err.to_string()),
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

impl From<ReportError> for ApiError {
    fn from(err: ReportError) -> Self {
        match err {
            ReportError::TenantNotFound | ReportError::AgentNotFound(_) => Self::NotFound(err.to_string()),
            ReportError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<AlertError> for ApiError {
    fn from(err: AlertError) -> Self {
        match err {
            AlertError::NotFound => Self::NotFound(err.to_string()),
            AlertError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<InvalidProvider> for ApiError {
    fn from(err: InvalidProvider) -> Self {
        Self::Unprocessable(err.to_string())
    }
}

impl From<ProvidersError> for ApiError {
    fn from(err: ProvidersError) -> Self {
        match err {
            ProvidersError::NotFound(_) => Self::NotFound(err.to_string()),
            ProvidersError::Duplicate(_) | ProvidersError::ReadOnly(_) | ProvidersError::ModelTaken { .. } => {
                Self::Conflict(err.to_string())
            }
            ProvidersError::Invalid(invalid) => invalid.into(),
            ProvidersError::Discovery { .. } => Self::BadGateway(err.to_string()),
            ProvidersError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<RouteError> for ApiError {
    fn from(err: RouteError) -> Self {
        let message = err.to_string();
        let timed_out = matches!(err, RouteError::Failed { error: ProviderError::Timeout, .. });
        match err {
            RouteError::UnknownModel(_) => Self::UnknownModel(message),
            RouteError::RateLimited { retry_after, .. } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Self::TooManyRequests { message, retry_after: Some(seconds) }
            }
            // The request itself was refused (too long, malformed for this model): the client can fix it.
            RouteError::Rejected { status: 400 | 413 | 422, .. } => Self::BadRequest(message),
            RouteError::Failed { .. } if timed_out => Self::GatewayTimeout(message),
            RouteError::Rejected { .. } | RouteError::Failed { .. } => Self::BadGateway(message),
            RouteError::Unavailable { .. } => Self::ServiceUnavailable(message),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Invalid => Self::Unauthorized("Invalid API key"),
            AuthError::Expired => Self::Unauthorized("API key has expired"),
            AuthError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<MeteringError> for ApiError {
    fn from(err: MeteringError) -> Self {
        match err {
            MeteringError::Exceeded { limit, retry_after } => {
                Self::TooManyRequests { message: limit.to_string(), retry_after: Some(retry_after.as_secs().max(1)) }
            }
            MeteringError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<RunError> for ApiError {
    fn from(err: RunError) -> Self {
        match err {
            RunError::NotFound(_) => Self::UnknownAgent(err.to_string()),
            RunError::Disabled(_) => Self::DisabledAgent(err.to_string()),
            RunError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(err: ChatError) -> Self {
        match err {
            ChatError::AgentNotFound(_) => Self::UnknownAgent(err.to_string()),
            ChatError::AgentDisabled(_) => Self::DisabledAgent(err.to_string()),
            ChatError::ConversationNotFound => Self::NotFound(err.to_string()),
            ChatError::NoModel | ChatError::NoMessages => Self::BadRequest(err.to_string()),
            ChatError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl ApiError {
    /// The answer to a request without a usable access token.
    pub(crate) fn invalid_token() -> Self {
        Self::Session {
            status: StatusCode::UNAUTHORIZED,
            message: "Invalid or expired token".into(),
            code: "AUTH_INVALID_TOKEN",
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        let session = |status, code| Self::Session { status, message: err.to_string(), code };
        match err {
            AccountError::Invalid(_) => Self::BadRequest(err.to_string()),
            AccountError::EmailTaken => Self::Conflict(err.to_string()),
            AccountError::InvalidCredentials => session(StatusCode::UNAUTHORIZED, "AUTH_INVALID_CREDENTIALS"),
            AccountError::InvalidToken => Self::invalid_token(),
            AccountError::TokenReused => session(StatusCode::UNAUTHORIZED, "AUTH_TOKEN_REUSED"),
            AccountError::Disabled => session(StatusCode::FORBIDDEN, "AUTH_ACCOUNT_DISABLED"),
            AccountError::Throttled { retry_after } => {
                Self::TooManyRequests { message: err.to_string(), retry_after: Some(retry_after.as_secs().max(1)) }
            }
            AccountError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<ConversationError> for ApiError {
    fn from(err: ConversationError) -> Self {
        match err {
            ConversationError::NotFound | ConversationError::MemoryNotFound => Self::NotFound(err.to_string()),
            ConversationError::Invalid(_) => Self::Unprocessable(err.to_string()),
            ConversationError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound => Self::NotFound(err.to_string()),
            UserError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

impl From<UserAgentError> for ApiError {
    fn from(err: UserAgentError) -> Self {
        match err {
            UserAgentError::NotFound(_) => Self::NotFound(err.to_string()),
            UserAgentError::Duplicate(_) => Self::Conflict(err.to_string()),
            UserAgentError::Invalid(message) => Self::Unprocessable(message),
            UserAgentError::Syntax(message) => Self::BadRequest(message),
            UserAgentError::Unexpected(cause) => Self::Internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;
    use serde_json::json;

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
    async fn a_provider_rate_limit_answers_the_documented_body_and_retry_after() {
        let err: ApiError = RouteError::RateLimited {
            provider: ares_domain::ProviderName::parse("groq").unwrap(),
            retry_after: std::time::Duration::from_millis(59_500),
        }
        .into();
        let response = err.error_response();
        assert_eq!(response.headers().get(RETRY_AFTER).unwrap(), "60");
        let bytes = to_bytes(response.into_body()).await.unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            json!({"error": "Rate limit exceeded for provider 'groq'", "code": "RATE_LIMIT_EXCEEDED", "retry_after": 60})
        );
    }

    #[actix_web::test]
    async fn provider_failures_map_to_gateway_statuses() {
        let groq = || ares_domain::ProviderName::parse("groq").unwrap();
        let rejected = |status| RouteError::Rejected { provider: groq(), status, message: "m".into() };
        assert_eq!(body_of(rejected(400).into()).await.0, 400);
        assert_eq!(body_of(rejected(401).into()).await.0, 502);
        assert_eq!(body_of(RouteError::Failed { provider: groq(), error: ProviderError::Timeout }.into()).await.0, 504);
        let unavailable = RouteError::Unavailable { target: "m".into(), reasons: vec!["groq: disabled".into()] };
        assert_eq!(
            body_of(unavailable.into()).await,
            (
                503,
                json!({"error": "No provider is available for model 'm': groq: disabled", "code": "PROVIDER_UNAVAILABLE"})
            )
        );
        assert_eq!(body_of(RouteError::UnknownModel("x".into()).into()).await.0, 422);
    }

    #[actix_web::test]
    async fn an_unreachable_store_is_a_503_to_retry() {
        let RepoError::Unexpected(cause) = StoreUnavailable::error("connection refused") else { panic!() };
        let response = ApiError::Internal(cause).error_response();
        assert_eq!(response.headers().get(RETRY_AFTER).unwrap(), "5");
        let (status, body) = body_of(TenantError::from(StoreUnavailable::error("connection refused")).into()).await;
        assert_eq!(
            (status, body),
            (503, json!({"error": STORE_UNAVAILABLE, "code": "SERVICE_UNAVAILABLE"})),
            "through a use case's error too"
        );
        let metering = MeteringError::from(StoreUnavailable::error("pool timed out"));
        assert_eq!(body_of(metering.into()).await.0, 503);
    }

    #[actix_web::test]
    async fn server_errors_never_reveal_their_cause() {
        let (status, body) = body_of(ApiError::Internal(anyhow::anyhow!("password=hunter2"))).await;
        assert_eq!((status, body), (500, json!({"error": "Internal server error", "code": "INTERNAL_ERROR"})));
    }
}
