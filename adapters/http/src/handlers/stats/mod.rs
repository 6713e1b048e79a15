//! `/api/admin/stats`: the platform's totals.

pub(crate) mod get;
