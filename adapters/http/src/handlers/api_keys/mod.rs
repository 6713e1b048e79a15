//! `/api/admin/tenants/{id}/api-keys`: issue and list a tenant's keys.

pub(crate) mod create;
pub(crate) mod list;

use crate::ApiError;

const MAX_KEY_NAME_LEN: usize = 100;
const MAX_EXPIRY_DAYS: u32 = 3650;

/// A key's lifetime in days, when it has one: 1 to 3650.
pub(crate) fn expiry_days(days: Option<u32>) -> Result<Option<u32>, ApiError> {
    match days.filter(|d| !(1..=MAX_EXPIRY_DAYS).contains(d)) {
        Some(days) => Err(ApiError::Unprocessable(format!("Invalid expires_in_days: {days}. Use 1-{MAX_EXPIRY_DAYS}"))),
        None => Ok(days),
    }
}

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
