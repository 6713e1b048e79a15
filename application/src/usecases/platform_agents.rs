//! The platform's agents (`[[agents]]` in `ares.toml`): listed to everyone, and spoken to by name by every user
//! and tenant that has no agent of its own by that name.

use ares_domain::PlatformAgent;

/// The platform's agents, in configuration order.
#[derive(Debug, Clone, Default)]
pub struct PlatformAgents {
    agents: Vec<PlatformAgent>,
}

impl PlatformAgents {
    /// The agent a chat without `agent_type` goes to.
    pub const DEFAULT: &'static str = "router";

    #[must_use]
    pub fn new(agents: Vec<PlatformAgent>) -> Self {
        PlatformAgents { agents }
    }

    /// Every platform agent, in configuration order.
    #[must_use]
    pub fn all(&self) -> &[PlatformAgent] {
        &self.agents
    }

    /// The platform agent named `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&PlatformAgent> {
        self.agents.iter().find(|agent| AsRef::<str>::as_ref(&agent.name) == name)
    }
}
