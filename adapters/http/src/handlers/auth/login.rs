//! `POST /api/auth/login`: an access token and a refresh token for an email and password.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::extract::parse_json;
use crate::ip_limit::client_ip;
use crate::state::UserApi;
use crate::views::{ErrorView, TokensView};

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub(crate) struct LoginBody {
    #[schema(example = "developer@example.com")]
    email: String,
    #[schema(example = "your-secure-password")]
    password: String,
}

/// Signs a user in. An unknown email and a wrong password get the same answer; repeated failures are throttled
/// per account and per address.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = TokensView),
        (status = 400, description = "A malformed body", body = ErrorView),
        (status = 401, description = "Invalid email or password (`AUTH_INVALID_CREDENTIALS`)", body = ErrorView),
        (status = 403, description = "The account is disabled (`AUTH_ACCOUNT_DISABLED`)", body = ErrorView),
        (status = 429, description = "Too many failed sign-ins; `retry_after` seconds", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<UserApi>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = parse_json(&body)?;
    let address = client_ip(request.headers(), request.peer_addr(), api.trust_forwarded_for);
    let tokens = api.accounts.login(&email, &password, address).await?;
    Ok(HttpResponse::Ok().json(TokensView::from(&tokens)))
}
