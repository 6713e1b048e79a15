//! `POST /api/auth/logout`: revokes a refresh token, and every token of its sign-in.

use actix_web::{HttpResponse, web};

use super::RefreshBody;
use crate::ApiError;
use crate::extract::parse_json;
use crate::state::UserApi;
use crate::views::{ErrorView, MessageView};

/// Signs out: the refresh token stops working (access tokens already issued expire within 15 minutes).
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    operation_id = "logout",
    tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "Signed out", body = MessageView),
        (status = 400, description = "A malformed body", body = ErrorView),
        (status = 401, description = "The token was not live (`AUTH_INVALID_TOKEN`)", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<UserApi>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let RefreshBody { refresh_token } = parse_json(&body)?;
    api.accounts.logout(&refresh_token).await?;
    Ok(HttpResponse::Ok().json(MessageView { message: "Logged out".into() }))
}
