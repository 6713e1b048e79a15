//! The tool catalog: the built-in tools (the calculator, web search over the configured service) and the tools
//! the configured MCP servers offer, discovered at start-up.

use std::sync::Arc;

use ares_application::ports::WebSearch;
use ares_application::usecases::ToolCatalog;
use ares_tools::{Brave, Calculator, McpServer, Searxng, WebSearchTool};

use crate::settings::{CheckedSearch, CheckedTools, SearchProvider, Settings, StartupError};

/// Every tool this server can grant agents.
///
/// # Errors
/// When the search client cannot be built. MCP servers that cannot be reached are logged and left out.
pub async fn catalog(settings: &Settings, tools: &CheckedTools) -> Result<Arc<ToolCatalog>, StartupError> {
    let catalog = Arc::new(ToolCatalog::new());
    catalog.register(Arc::new(Calculator));
    let (search, max_results) = match &tools.web_search {
        Some(search) => (Some(search_service(search)?), search.max_results),
        None => (None, 5),
    };
    catalog.register(Arc::new(WebSearchTool::new(search, max_results)));
    let servers: Vec<Arc<McpServer>> =
        settings.mcp_servers()?.into_iter().map(|(name, transport)| McpServer::new(name, transport)).collect();
    for tool in ares_tools::discover(&servers, &catalog.names(), tools.mcp_startup_timeout).await {
        catalog.register(tool);
    }
    tracing::info!(tools = ?catalog.names(), "tools ready");
    Ok(catalog)
}

fn search_service(search: &CheckedSearch) -> Result<Arc<dyn WebSearch>, StartupError> {
    let built: Result<Arc<dyn WebSearch>, String> = match search.provider {
        SearchProvider::Searxng => {
            Searxng::new(&search.base_url, search.timeout).map(|s| Arc::new(s) as Arc<dyn WebSearch>)
        }
        SearchProvider::Brave => {
            Brave::new(&search.base_url, search.api_key.clone().unwrap_or_default(), search.timeout)
                .map(|s| Arc::new(s) as Arc<dyn WebSearch>)
        }
    };
    built.map_err(|err| StartupError::new(format!("cannot set up web search: {err}")))
}
