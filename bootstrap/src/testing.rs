//! For tests that run the server against a mock upstream (the `testing` feature): the repository's own
//! `ares.toml` with every provider pointed at the mock, and the provider keys it needs.

/// The repository's `ares.toml`.
pub const REPOSITORY_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ares.toml");

/// Keys for every provider of the repository's configuration.
pub const PROVIDER_KEYS: [(&str, &str); 3] =
    [("GROQ_API_KEY", "gsk-test"), ("ANTHROPIC_API_KEY", "sk-ant-test"), ("NVIDIA_API_KEY", "nvapi-test")];

/// The repository's `ares.toml` with every provider pointed at `upstream` (an OpenAI-compatible mock), their keys
/// set by `PROVIDER_KEYS`, and no per-IP limit; `extra` is appended.
///
/// # Panics
/// When the repository's `ares.toml` cannot be read.
#[must_use]
#[expect(clippy::expect_used, reason = "a test helper: the repository's own file is there")]
pub fn config_with_upstream(upstream: &str, extra: &str) -> String {
    let text = std::fs::read_to_string(REPOSITORY_CONFIG).expect("the repository's ares.toml");
    let text = text
        .replace("https://api.groq.com/openai/v1", &format!("{upstream}/v1"))
        .replace("type = \"anthropic\"", "type = \"openai\"")
        .replace("https://api.anthropic.com/v1", &format!("{upstream}/v1"))
        .replace("https://integrate.api.nvidia.com/v1", &format!("{upstream}/v1"))
        .replace("type = \"ollama\"", "type = \"openai\"")
        .replace("http://localhost:11434", &format!("{upstream}/v1"));
    format!("{text}\n[rate_limit]\nper_second = 0\n{extra}\n")
}
