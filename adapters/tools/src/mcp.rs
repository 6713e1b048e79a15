//! MCP tool servers (`[[mcp_servers]]`), through the Rust MCP SDK (rmcp): over stdio (a child process ARES starts)
//! or streamable HTTP. Their tools are discovered at start-up and offered under their own names (`server_tool`
//! when the name is taken). A server that dies is started again on the next call; when it cannot be, the call
//! answers an error to the model and the request goes on.

use std::sync::Arc;
use std::time::Duration;

use ares_application::ports::{Tool, ToolError, ToolSpec};
use async_trait::async_trait;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ServiceError, ServiceExt};
use serde_json::{Map, Value, json};
use tokio::process::Command;
use tokio::sync::Mutex;

type Client = RunningService<RoleClient, ClientConfig>;

/// How ARES reaches a server. Its `Debug` leaves out the token and the environment's values.
#[derive(Clone, PartialEq, Eq)]
pub enum McpTransport {
    /// A command ARES starts, speaking MCP on its standard input and output.
    Stdio { command: String, args: Vec<String>, env: Vec<(String, String)> },
    /// A streamable HTTP endpoint, with an optional bearer token.
    Http { url: String, bearer_token: Option<String> },
}

impl std::fmt::Debug for McpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            McpTransport::Stdio { command, args, env } => {
                let names: Vec<&str> = env.iter().map(|(name, _)| name.as_str()).collect();
                f.debug_struct("Stdio").field("command", command).field("args", args).field("env", &names).finish()
            }
            McpTransport::Http { url, bearer_token } => {
                let token = bearer_token.as_ref().map(|_| "[redacted]");
                f.debug_struct("Http").field("url", url).field("bearer_token", &token).finish()
            }
        }
    }
}

/// One MCP server and its connection, made again when it drops.
pub struct McpServer {
    name: String,
    transport: McpTransport,
    client: Mutex<Option<Arc<Client>>>,
}

impl McpServer {
    #[must_use]
    pub fn new(name: String, transport: McpTransport) -> Arc<Self> {
        Arc::new(McpServer { name, transport, client: Mutex::new(None) })
    }

    async fn connect(&self) -> Result<Client, String> {
        let config =
            ClientConfig::new(ClientCapabilities::default(), Implementation::new("ares", env!("CARGO_PKG_VERSION")))
                .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE);
        let connected = match &self.transport {
            McpTransport::Stdio { command, args, env } => {
                let command = Command::new(command).configure(|c| {
                    c.args(args).envs(env.iter().map(|(k, v)| (k, v)));
                });
                let transport = TokioChildProcess::new(command).map_err(|err| format!("cannot start it: {err}"))?;
                config.serve(transport).await
            }
            McpTransport::Http { url, bearer_token } => {
                crate::web_search::install_tls_provider();
                let mut http = StreamableHttpClientTransportConfig::with_uri(url.as_str());
                if let Some(token) = bearer_token {
                    http = http.auth_header(token.clone());
                }
                config.serve(StreamableHttpClientTransport::from_config(http)).await
            }
        };
        connected.map_err(|err| format!("cannot initialize a session: {err}"))
    }

    /// The live connection, made again when the server went away.
    async fn live(&self) -> Result<Arc<Client>, String> {
        let mut client = self.client.lock().await;
        if let Some(live) = client.as_ref().filter(|c| !c.is_transport_closed()) {
            return Ok(live.clone());
        }
        if client.is_some() {
            tracing::warn!(mcp.server = %self.name, "MCP server went away; starting it again");
        }
        let connected = Arc::new(self.connect().await?);
        *client = Some(connected.clone());
        Ok(connected)
    }

    async fn list(&self) -> Result<Vec<rmcp::model::Tool>, String> {
        let client = self.live().await?;
        client.list_all_tools().await.map_err(|err| format!("cannot list its tools: {err}"))
    }

    /// Calls `tool`. A request that could not be sent is tried once more on a new connection; one that may have
    /// reached the server is not (the tool may have acted), and the next call finds the connection made again.
    async fn call(&self, tool: &str, arguments: Map<String, Value>) -> Result<Value, ToolError> {
        let unavailable =
            |reason: String| ToolError::Failed(format!("MCP server '{}' is unavailable: {reason}", self.name));
        for attempt in 0..2 {
            let client = self.live().await.map_err(unavailable)?;
            let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments.clone());
            match client.call_tool(params).await {
                Ok(result) => return result_value(&result),
                Err(ServiceError::TransportSend(_)) if attempt == 0 => {}
                Err(err) => return Err(ToolError::Failed(format!("MCP server '{}' failed: {err}", self.name))),
            }
        }
        Err(unavailable("it keeps going away".into()))
    }
}

/// A tool's answer as JSON: its structured content, else its text (as JSON when it is JSON); an error answer
/// becomes the call's error.
fn result_value(result: &CallToolResult) -> Result<Value, ToolError> {
    let text: Vec<&str> = result.content.iter().filter_map(|c| c.as_text()).map(|t| t.text.as_str()).collect();
    let text = text.join("\n");
    if result.is_error.unwrap_or(false) {
        return Err(ToolError::Failed(if text.is_empty() { "the tool failed".into() } else { text }));
    }
    if let Some(structured) = &result.structured_content {
        return Ok(structured.clone());
    }
    Ok(serde_json::from_str::<Value>(&text).ok().filter(Value::is_object).unwrap_or_else(|| json!({ "text": text })))
}

/// One tool of an MCP server.
struct McpTool {
    server: Arc<McpServer>,
    remote_name: String,
    spec: ToolSpec,
}

#[async_trait]
impl Tool for McpTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let Value::Object(arguments) = arguments else {
            return Err(ToolError::InvalidArguments("expected a JSON object".into()));
        };
        self.server.call(&self.remote_name, arguments).await
    }
}

/// Connects to each server and lists its tools, each within `timeout`. A server that cannot be reached is reported
/// and left out; its tools are not offered. Names in `taken` (the built-ins) are not reused.
pub async fn discover(servers: &[Arc<McpServer>], taken: &[String], timeout: Duration) -> Vec<Arc<dyn Tool>> {
    let mut names: Vec<String> = taken.to_vec();
    let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
    for server in servers {
        let listed = match tokio::time::timeout(timeout, server.list()).await {
            Ok(Ok(listed)) => listed,
            Ok(Err(reason)) => {
                tracing::warn!(mcp.server = %server.name, %reason, "MCP server unavailable; its tools are not offered");
                continue;
            }
            Err(_) => {
                tracing::warn!(mcp.server = %server.name, "MCP server did not answer in time; its tools are not offered");
                continue;
            }
        };
        for tool in listed {
            let remote_name = tool.name.to_string();
            let name = if names.contains(&remote_name) {
                format!("{}_{remote_name}", server.name)
            } else {
                remote_name.clone()
            };
            names.push(name.clone());
            let spec = ToolSpec {
                name,
                description: tool.description.as_deref().unwrap_or_default().to_owned(),
                parameters: Value::Object((*tool.input_schema).clone()),
            };
            tracing::info!(mcp.server = %server.name, tool = %spec.name, "MCP tool discovered");
            tools.push(Arc::new(McpTool { server: server.clone(), remote_name, spec }));
        }
    }
    tools
}
