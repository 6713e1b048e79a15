//! `POST /api/auth/refresh`: a new access token for a refresh token, which is rotated.

use actix_web::{HttpResponse, web};

use super::RefreshBody;
use crate::ApiError;
use crate::extract::parse_json;
use crate::state::UserApi;
use crate::views::{ErrorView, TokensView};

/// A new access token. The refresh token is spent: the answer carries its replacement. Presenting a spent token
/// again signs that sign-in out everywhere.
#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    operation_id = "refreshToken",
    tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "A new access token and the next refresh token", body = TokensView),
        (status = 400, description = "A malformed body", body = ErrorView),
        (status = 401, description = "An unknown, expired or revoked token (`AUTH_INVALID_TOKEN`), or a spent one (`AUTH_TOKEN_REUSED`)", body = ErrorView),
        (status = 403, description = "The account is disabled (`AUTH_ACCOUNT_DISABLED`)", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<UserApi>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let RefreshBody { refresh_token } = parse_json(&body)?;
    let tokens = api.accounts.refresh(&refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokensView::from(&tokens)))
}
