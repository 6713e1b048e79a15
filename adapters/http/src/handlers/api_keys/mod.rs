//! `/api/admin/tenants/{id}/api-keys`: issue and list a tenant's keys.

pub(crate) mod create;
pub(crate) mod list;

use crate::ApiError;

const MAX_KEY_NAME_LEN: usize = 100;

/// A key label: 1 to 100 characters, not blank.
pub(crate) fn key_name(raw: String) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_KEY_NAME_LEN {
        return Err(ApiError::Unprocessable(format!(
            "Invalid API key name: '{raw}'. Use 1-{MAX_KEY_NAME_LEN} characters"
        )));
    }
    Ok(trimmed.to_owned())
}
