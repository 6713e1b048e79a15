//! `/api/auth/*`: end users register, sign in, refresh their access token and sign out.

pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod refresh;
pub(crate) mod register;

use serde::Deserialize;
use utoipa::ToSchema;

/// A refresh token, to rotate or to revoke.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RefreshBody {
    #[schema(example = "rt_x9Kp2mQvL8wN3rTs...")]
    pub refresh_token: String,
}
