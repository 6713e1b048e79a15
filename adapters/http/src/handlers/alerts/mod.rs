//! `/api/admin/alerts`: the alerts the platform raised, and resolving them.

pub(crate) mod list;
pub(crate) mod resolve;
