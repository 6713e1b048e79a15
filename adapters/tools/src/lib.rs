//! ARES built-in tools, each behind the application's `Tool` port: the calculator, web search over a `WebSearch`
//! adapter (SearXNG or Brave), and the tools of MCP servers.

mod calculator;
mod mcp;
mod web_search;

pub use calculator::{Calculator, evaluate};
pub use mcp::{McpServer, McpTransport, discover};
pub use web_search::{Brave, Searxng, WebSearchTool};
