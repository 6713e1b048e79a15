//! `/v1/agents`: the caller's agents, their runs, and running them. Another tenant's agent is "not found",
//! exactly like an agent that does not exist.

pub(crate) mod get;
pub(crate) mod list;
pub(crate) mod run;
pub(crate) mod runs;

pub(crate) use crate::handlers::agents::agent_name;
