//! The tools ARES can offer models, by name: the built-ins and those discovered on MCP servers. An agent is offered
//! exactly the ones its config lists.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use crate::ports::{Tool, ToolSpec};

/// A tool with its spec, read once when it is registered.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) spec: ToolSpec,
    pub(crate) tool: Arc<dyn Tool>,
}

/// The tools an agent was granted, by name.
pub(crate) type Granted = HashMap<String, Entry>;

/// Every tool by name.
#[derive(Default)]
pub struct ToolCatalog {
    tools: RwLock<BTreeMap<String, Entry>>,
}

impl ToolCatalog {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `tool` under its spec's name, replacing a tool of that name.
    pub fn register(&self, tool: Arc<dyn Tool>) {
        let spec = tool.spec();
        let name = spec.name.clone();
        self.tools.write().unwrap_or_else(PoisonError::into_inner).insert(name, Entry { spec, tool });
    }

    /// Removes the tool `name`, if there is one.
    pub fn remove(&self, name: &str) {
        self.tools.write().unwrap_or_else(PoisonError::into_inner).remove(name);
    }

    /// Every tool's name, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.tools.read().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect()
    }

    /// The tools of `names` that exist, by name; the others are left out (and logged).
    pub(crate) fn granted(&self, names: &[String]) -> Granted {
        let tools = self.tools.read().unwrap_or_else(PoisonError::into_inner);
        names
            .iter()
            .filter_map(|name| match tools.get(name) {
                Some(entry) => Some((name.clone(), entry.clone())),
                None => {
                    tracing::warn!(tool = %name, "an agent lists a tool ARES does not have; it is not offered");
                    None
                }
            })
            .collect()
    }
}

/// The specs of `granted`, in the order the agent lists them.
pub(crate) fn specs(granted: &Granted, order: &[String]) -> Vec<ToolSpec> {
    order.iter().filter_map(|name| granted.get(name)).map(|entry| entry.spec.clone()).collect()
}
