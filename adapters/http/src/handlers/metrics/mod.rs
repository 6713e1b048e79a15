//! `/api/admin/metrics/*`: the Prometheus exposition.

pub(crate) mod prometheus;
