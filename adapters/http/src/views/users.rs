//! What end users' sign-in and the operators' user administration answer.

use ares_application::usecases::Tokens;
use ares_domain::User;
use serde::Serialize;
use utoipa::ToSchema;

use super::{PageInfo, TierName, timestamp};

/// A new account.
#[derive(Serialize, ToSchema)]
pub(crate) struct RegisteredView {
    #[schema(example = "Registration successful")]
    pub message: &'static str,
    #[schema(example = "usr_7c9e6679742540de944be07fc1f90ae7")]
    pub user_id: String,
}

/// Tokens of a sign-in: a 15-minute access token, and a refresh token to get the next one (shown once).
#[derive(Serialize, ToSchema)]
pub(crate) struct TokensView<'a> {
    #[schema(example = "eyJhbGciOiJIUzI1NiIs...")]
    pub access_token: &'a str,
    /// Rotated on every refresh: use the newest one.
    #[schema(example = "rt_x9Kp2mQvL8wN3rTs...")]
    pub refresh_token: &'a str,
    /// Seconds the access token lives.
    #[schema(example = 900)]
    pub expires_in: u64,
}

impl<'a> From<&'a Tokens> for TokensView<'a> {
    fn from(tokens: &'a Tokens) -> Self {
        TokensView {
            access_token: &tokens.access_token,
            refresh_token: tokens.refresh_token.expose(),
            expires_in: tokens.expires_in,
        }
    }
}

/// A user, as operators see them.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    #[schema(example = "usr_7c9e6679742540de944be07fc1f90ae7")]
    pub id: String,
    #[schema(example = "developer@example.com")]
    pub email: String,
    #[schema(example = "Jane Developer")]
    pub name: String,
    #[schema(value_type = TierName)]
    pub tier: &'static str,
    pub disabled: bool,
    #[schema(example = "2026-03-13T09:00:00Z")]
    pub created_at: String,
    #[schema(example = "2026-03-13T09:00:00Z")]
    pub updated_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id.to_string(),
            email: user.email.to_string(),
            name: user.name.as_ref().to_owned(),
            tier: user.tier.as_str(),
            disabled: user.disabled,
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
        }
    }
}

/// A page of users, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserPage {
    pub users: Vec<UserView>,
    #[serde(flatten)]
    pub paging: PageInfo,
}

/// A confirmation.
#[derive(Serialize, ToSchema)]
pub(crate) struct MessageView {
    #[schema(example = "Logged out")]
    pub message: String,
}
