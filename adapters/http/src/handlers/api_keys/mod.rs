//! `/api/admin/tenants/{id}/api-keys`: issue and list a tenant's keys.

pub(crate) mod create;
pub(crate) mod list;
pub(crate) mod revoke;

use ares_domain::{KeyLabel, KeyLifetime};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;

/// `{"name", "expires_in_days"?}`: a new key, as operators and clients ask for one.
#[derive(Deserialize, ToSchema)]
pub(crate) struct KeyBody {
    /// A label for people; no control characters.
    #[schema(example = "mobile-app-key", min_length = 1)]
    name: String,
    /// Days until the key stops working (1 to 3650); without it the key does not expire.
    #[schema(example = 365, minimum = 1, maximum = 3650)]
    expires_in_days: Option<u32>,
}

impl KeyBody {
    /// The key's label and lifetime, checked.
    pub(crate) fn checked(&self) -> Result<(KeyLabel, Option<KeyLifetime>), ApiError> {
        Ok((KeyLabel::parse(&self.name)?, self.expires_in_days.map(KeyLifetime::parse).transpose()?))
    }
}
