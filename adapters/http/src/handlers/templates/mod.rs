//! `/api/admin/agent-templates`: the templates cloned at provisioning.

pub(crate) mod list;
