//! `/api/admin/models`: every model clients and agents can name.

pub(crate) mod list;
