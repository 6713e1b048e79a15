//! `/api/admin/tenants/{id}/usage`: a tenant's usage this month and day by day.

pub(crate) mod daily;
pub(crate) mod month;
