//! `/v1/api-keys`: the caller's own keys. A secret is shown once, at creation; a revoked key stops working at once.

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod list;
