//! `/api/admin/audit-log`: what changed, and who changed it.

pub(crate) mod list;
