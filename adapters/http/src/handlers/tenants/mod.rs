//! `/api/admin/tenants`: create, list, inspect, change tier.

pub(crate) mod create;
pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod update_quota;
