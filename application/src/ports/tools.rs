//! The tool port: something a model can call during a run (the calculator, web search, an MCP server's tool).

use async_trait::async_trait;
use serde_json::Value;

use super::ToolSpec;

/// Why a call failed. Either way the model gets the message as an error result; the request goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// The arguments do not fit the tool (a missing field, an expression that does not parse).
    #[error("{0}")]
    InvalidArguments(String),
    /// The tool could not do its work (an upstream down, a server that died, an overflow).
    #[error("{0}")]
    Failed(String),
}

/// A tool a model may call.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Tool: Send + Sync + 'static {
    /// Its name, description and JSON-schema parameters, as offered to models.
    fn spec(&self) -> ToolSpec;

    /// Calls it with the model's arguments (a JSON object).
    ///
    /// # Errors
    /// `InvalidArguments` or `Failed`, with a message for the model.
    async fn call(&self, arguments: Value) -> Result<Value, ToolError>;
}
