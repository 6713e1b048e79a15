//! `/v1/*`: the client API. Every endpoint authenticates with `Bearer ares_...`, works within the key's tenant
//! only, and is metered: admitted against the tenant's quota first, recorded before it answers.

pub(crate) mod agents;
pub(crate) mod api_keys;
pub(crate) mod chat;
pub(crate) mod usage;

use serde::Deserialize;

use crate::ApiError;

const MAX_PER_PAGE: u64 = 100;

/// `?page=1&per_page=20`: pages count from 1; at most 100 a page.
#[derive(Deserialize)]
pub(crate) struct Pagination {
    page: Option<u64>,
    per_page: Option<u64>,
}

impl Pagination {
    /// `(page, per_page)`, checked.
    pub(crate) fn checked(&self) -> Result<(u64, u64), ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        if page == 0 {
            return Err(ApiError::BadRequest("Invalid query: page must be at least 1".into()));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::BadRequest(format!("Invalid query: per_page must be between 1 and {MAX_PER_PAGE}")));
        }
        Ok((page, per_page))
    }
}
