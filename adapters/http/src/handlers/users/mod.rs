//! `/api/admin/users*`: operators list end users, read one, and change their tier or disable them.

pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod update;

use ares_domain::UserId;

use crate::ApiError;

/// A user id from the path. A malformed id names no user, so it is "User not found" like an unknown one.
fn user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("User not found".into()))
}
