//! ARES outbound model adapters, one module per wire format, each over one pooled `reqwest` client per provider:
//! `openai` (any OpenAI-compatible server: Groq, NVIDIA, OpenAI, vLLM, ...), `anthropic` (the Messages API),
//! `ollama` (its native API), and `mock`, a deterministic in-process provider for development and tests. `wire`
//! holds the typed wire formats, shared with the inbound routes that speak them.

mod anthropic;
mod connector;
mod decode;
mod http;
mod mock;
mod ollama;
mod openai;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

pub use anthropic::Anthropic;
pub use connector::Connector;
pub use http::{Endpoint, install_tls_provider};
pub use mock::MockProvider;
pub use ollama::Ollama;
pub use openai::OpenAi;
