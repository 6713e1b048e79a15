//! Tool calling: the catalog of tools ARES can offer, and the coordinator that runs the calling loop, whole or
//! streamed.

mod catalog;
mod coordinator;
mod stream;
#[cfg(test)]
mod tests;

pub use catalog::ToolCatalog;
pub use coordinator::{ToolCoordinator, ToolRun};
