//! `/v1/*`: the client API. Every endpoint authenticates with `Bearer ares_...`, works within the key's tenant
//! only, and is metered through the application's metered path (`Client::respond`, `Client::stream`): admitted
//! against the tenant's quota first, recorded before it answers.

pub(crate) mod agents;
pub(crate) mod api_keys;
pub(crate) mod chat;
pub(crate) mod models;
pub(crate) mod usage;

use ares_domain::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;

/// `?page=1&per_page=20`: pages count from 1; at most 100 a page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Pagination {
    /// The page, from 1 (default 1) to 1000000.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Items a page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
}

impl Pagination {
    /// The page asked for, checked (400 when it cannot be).
    pub(crate) fn page(&self) -> Result<Page, ApiError> {
        Page::parse(self.page, self.per_page).map_err(|err| ApiError::BadRequest(err.to_string()))
    }
}
