//! The `web_search` tool over the `WebSearch` port, and its adapters: SearXNG's JSON API (self-hosted) and the
//! Brave Search API (hosted). Results are `{"results": [{"title", "url", "snippet"}]}`; without a configured
//! search service the tool answers an error that says so.

use std::sync::Arc;
use std::time::Duration;

use ares_application::ports::{SearchResult, Tool, ToolError, ToolSpec, WebSearch};
use async_trait::async_trait;
use reqwest::Url;
use serde_json::{Value, json};

/// The most results a call may ask for.
const MAX_RESULTS: usize = 20;

/// The tool. `search` is `None` when no search service is configured.
pub struct WebSearchTool {
    search: Option<Arc<dyn WebSearch>>,
    max_results: usize,
}

impl WebSearchTool {
    #[must_use]
    pub fn new(search: Option<Arc<dyn WebSearch>>, max_results: usize) -> Self {
        WebSearchTool { search, max_results: max_results.clamp(1, MAX_RESULTS) }
    }
}

#[async_trait]
impl Tool for WebSearchTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "web_search".into(),
            description: "Searches the web for current information; returns titles, URLs and snippets.".into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What to search for"},
                    "max_results": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS}
                },
                "required": ["query"]
            }),
        }
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let query = arguments
            .get("query")
            .and_then(Value::as_str)
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| ToolError::InvalidArguments("Missing required argument: query (a string)".into()))?;
        let Some(search) = &self.search else {
            return Err(ToolError::Failed(
                "web_search is not configured on this server: set [tools.web_search] in ares.toml".into(),
            ));
        };
        let limit = arguments
            .get("max_results")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(self.max_results)
            .clamp(1, MAX_RESULTS);
        let results = search.search(query, limit).await.map_err(ToolError::Failed)?;
        let results: Vec<Value> = results
            .into_iter()
            .take(limit)
            .map(|r| json!({"title": r.title, "url": r.url, "snippet": r.snippet}))
            .collect();
        Ok(json!({ "results": results }))
    }
}

fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    install_tls_provider();
    reqwest::Client::builder().timeout(timeout).build().map_err(|err| format!("cannot build the HTTP client: {err}"))
}

/// reqwest speaks HTTPS through rustls, which needs a crypto provider installed once per process.
pub(crate) fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| drop(rustls::crypto::ring::default_provider().install_default()));
}

async fn get_json(request: reqwest::RequestBuilder, service: &str) -> Result<Value, String> {
    let response = request.send().await.map_err(|err| format!("{service} cannot be reached: {err}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{service} answered {status}"));
    }
    response.json().await.map_err(|err| format!("{service} answered something that is not JSON: {err}"))
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// SearXNG's JSON API (`/search?q=...&format=json`; the instance must allow the json format).
pub struct Searxng {
    client: reqwest::Client,
    base_url: String,
}

impl Searxng {
    /// A SearXNG instance at `base_url`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        Ok(Searxng { client: client(timeout)?, base_url: base_url.trim_end_matches('/').to_owned() })
    }
}

#[async_trait]
impl WebSearch for Searxng {
    async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, String> {
        let url = Url::parse_with_params(&format!("{}/search", self.base_url), [("q", query), ("format", "json")])
            .map_err(|err| format!("bad SearXNG URL: {err}"))?;
        let body = get_json(self.client.get(url), "SearXNG").await?;
        let results = body.get("results").and_then(Value::as_array).ok_or("SearXNG answered no results list")?;
        Ok(results
            .iter()
            .take(limit)
            .map(|r| SearchResult { title: text(r, "title"), url: text(r, "url"), snippet: text(r, "content") })
            .collect())
    }
}

/// The Brave Search API (`/web/search`, key in `X-Subscription-Token`).
pub struct Brave {
    client: reqwest::Client,
    base_url: String,
    api_key: String,
}

impl Brave {
    /// The default endpoint of the hosted API.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.search.brave.com/res/v1";

    /// The API at `base_url` with `api_key`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base_url: &str, api_key: String, timeout: Duration) -> Result<Self, String> {
        Ok(Brave { client: client(timeout)?, base_url: base_url.trim_end_matches('/').to_owned(), api_key })
    }
}

#[async_trait]
impl WebSearch for Brave {
    async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchResult>, String> {
        let count = limit.to_string();
        let url = Url::parse_with_params(&format!("{}/web/search", self.base_url), [("q", query), ("count", &count)])
            .map_err(|err| format!("bad Brave Search URL: {err}"))?;
        let request =
            self.client.get(url).header("X-Subscription-Token", &self.api_key).header("Accept", "application/json");
        let body = get_json(request, "Brave Search").await?;
        let results = body.pointer("/web/results").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Ok(results
            .iter()
            .take(limit)
            .map(|r| SearchResult { title: text(r, "title"), url: text(r, "url"), snippet: text(r, "description") })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unconfigured_search_is_an_error_that_says_so() {
        let err = WebSearchTool::new(None, 5).call(json!({"query": "rust"})).await.unwrap_err();
        assert_eq!(err.to_string(), "web_search is not configured on this server: set [tools.web_search] in ares.toml");
        let missing = WebSearchTool::new(None, 5).call(json!({"q": "rust"})).await.unwrap_err();
        assert_eq!(missing.to_string(), "Missing required argument: query (a string)");
    }
}
