//! `POST /api/auth/register`: a new account under the users' tier.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Registration;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::extract::parse_json;
use crate::state::UserApi;
use crate::views::{ErrorView, RegisteredView};

/// A new account.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RegisterBody {
    #[schema(example = "developer@example.com", max_length = 254)]
    email: String,
    /// 8 characters to 128 bytes.
    #[schema(example = "your-secure-password", min_length = 8, max_length = 128)]
    password: String,
    #[schema(example = "Jane Developer", min_length = 1, max_length = 100)]
    name: String,
}

/// Registers a user.
#[utoipa::path(
    post,
    path = "/api/auth/register",
    operation_id = "register",
    tag = "auth",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "The account was created", body = RegisteredView),
        (status = 400, description = "A malformed email, a password under 8 characters or over 128 bytes, a blank name", body = ErrorView),
        (status = 409, description = "The email is taken", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<UserApi>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let RegisterBody { email, password, name } = parse_json(&body)?;
    let user = api.accounts.register(Registration { email, password, name }).await?;
    tracing::info!(user.id = %user.id, "user registered");
    Ok(HttpResponse::Created()
        .json(RegisteredView { message: "Registration successful", user_id: user.id.to_string() }))
}
