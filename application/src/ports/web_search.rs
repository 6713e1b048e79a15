//! The web search port, behind the `web_search` tool: SearXNG, a hosted search API, or nothing configured.

use async_trait::async_trait;

/// One search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    pub title: String,
    pub url: String,
    pub snippet: String,
}

/// Searches the web.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebSearch: Send + Sync + 'static {
    /// At most `limit` results for `query`, best first.
    ///
    /// # Errors
    /// A message for the model: the search service cannot be reached, refused the request, or answered nonsense.
    async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, String>;
}
