//! What every adapter shares: the pooled client built from a provider's network settings, and the mapping of
//! transport failures and error answers onto `ProviderError`.

use std::time::Duration;

use ares_application::ports::ProviderError;
use ares_domain::{NetworkConfig, ProviderSecret};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where a provider lives and how to reach it: one pooled client, shared by every request to it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    base_url: String,
    api_key: Option<ProviderSecret>,
    client: reqwest::Client,
    network: NetworkConfig,
}

impl Endpoint {
    /// An endpoint at `base_url`; a trailing slash is dropped, so that paths (which start with one) never make `//`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS backend failure).
    pub fn new(base_url: &str, api_key: Option<ProviderSecret>, network: NetworkConfig) -> Result<Self, ProviderError> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(network.connect_timeout)
            .pool_max_idle_per_host(network.max_idle_per_host)
            .pool_idle_timeout(network.idle_timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|err| ProviderError::Unavailable(format!("cannot build the HTTP client: {err}")))?;
        Ok(Endpoint { base_url: base_url.trim().trim_end_matches('/').to_owned(), api_key, client, network })
    }

    /// The base URL, without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_ref().map(ProviderSecret::expose)
    }

    pub(crate) fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.base_url)).timeout(self.network.request_timeout)
    }

    /// A POST; `streaming` posts leave the body unbounded in time (chunks are timed one by one instead).
    pub(crate) fn post(&self, path: &str, streaming: bool) -> RequestBuilder {
        let request = self.client.post(format!("{}{path}", self.base_url));
        if streaming { request } else { request.timeout(self.network.request_timeout) }
    }

    /// Sends the request and returns the response if it is a success; an error answer becomes `Status`.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<Response, ProviderError> {
        let response = tokio::time::timeout(self.network.request_timeout, request.send())
            .await
            .map_err(|_| ProviderError::Timeout)?
            .map_err(transport_error)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = response.text().await.unwrap_or_default();
        Err(ProviderError::Status { status, message: error_message(&body), retry_after })
    }

    /// The body of a success, parsed as `T` (a wire type, or `Value`).
    pub(crate) async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ProviderError> {
        let response = self.send(request).await?;
        let body = response.bytes().await.map_err(|err| {
            if err.is_timeout() { ProviderError::Timeout } else { ProviderError::Protocol(err.to_string()) }
        })?;
        serde_json::from_slice(&body).map_err(|err| ProviderError::Protocol(format!("unexpected answer: {err}")))
    }

    /// The body chunks of a streamed success, each awaited no longer than the request timeout.
    pub(crate) fn chunks(&self, response: Response) -> impl Stream<Item = Result<Bytes, ProviderError>> + Send + use<> {
        let idle = self.network.request_timeout;
        let body = response.bytes_stream();
        futures_util::stream::unfold(Box::pin(body), move |mut body| async move {
            match tokio::time::timeout(idle, body.next()).await {
                Err(_) => Some((Err(ProviderError::Timeout), body)),
                Ok(None) => None,
                Ok(Some(chunk)) => Some((chunk.map_err(transport_error), body)),
            }
        })
    }
}

/// Installs the process's TLS crypto provider (ring) once: reqwest speaks HTTPS through rustls, which needs one.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| drop(rustls::crypto::ring::default_provider().install_default()));
}

fn transport_error(err: reqwest::Error) -> ProviderError {
    if err.is_timeout() {
        ProviderError::Timeout
    } else {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        ProviderError::Connect(message)
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

/// The message of an error body in any of the formats providers use, else the body itself (shortened).
fn error_message(body: &str) -> String {
    const MAX: usize = 500;
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|json| {
        json.pointer("/error/message")
            .or_else(|| json.get("error"))
            .or_else(|| json.get("message"))
            .and_then(Value::as_str)
    });
    let message = message.unwrap_or(body).trim();
    message.chars().take(MAX).collect()
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    use super::*;

    #[test]
    fn error_messages_are_read_from_every_provider_shape() {
        assert_eq!(error_message(r#"{"error":{"message":"bad key","type":"x"}}"#), "bad key");
        assert_eq!(
            error_message(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
            "Overloaded"
        );
        assert_eq!(error_message(r#"{"error":"model not found"}"#), "model not found");
        assert_eq!(error_message("upstream exploded"), "upstream exploded");
    }

    #[tokio::test]
    async fn providers_are_reached_over_https() {
        // A local port that accepts and hangs up: with TLS compiled in, the handshake fails; without it, reqwest
        // refuses the scheme before connecting.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || listener.incoming().take(1).for_each(drop));
        let endpoint = Endpoint::new(&format!("https://{address}"), None, NetworkConfig::default()).unwrap();
        let err = endpoint.send(endpoint.get("/models")).await.unwrap_err();
        let ProviderError::Connect(message) = err else { panic!("{err:?}") };
        assert!(!message.contains("scheme"), "{message}");
    }

    #[test]
    fn a_trailing_slash_on_the_base_url_makes_no_double_slash() {
        for base in ["http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/", " http://127.0.0.1:9/v1// "] {
            let endpoint = Endpoint::new(base, None, NetworkConfig::default()).unwrap();
            assert_eq!(endpoint.base_url(), "http://127.0.0.1:9/v1", "{base:?}");
            let url = endpoint.post("/chat/completions", false).build().unwrap().url().to_string();
            assert_eq!(url, "http://127.0.0.1:9/v1/chat/completions", "{base:?}");
        }
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
