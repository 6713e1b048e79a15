//! The closed sets of names the API takes and shows (tiers, product types, roles, statuses), as OpenAPI enums.
//! Requests carry them as strings, so that a name outside the set is refused with the domain's own message; these
//! types only describe them.

#![expect(dead_code, reason = "schemas only: requests and views carry these names as strings")]

use utoipa::ToSchema;

/// A tenant's tier: its quotas and rate limits.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum TierName {
    Free,
    Dev,
    Pro,
    Enterprise,
}

/// A product type: which agent templates a provisioned client gets.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum ProductTypeName {
    Generic,
    Kasino,
    Ehb,
}

/// A provider's wire format: `openai` is any OpenAI-compatible server (Groq, NVIDIA, vLLM, ...).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum ProviderKindName {
    #[schema(rename = "openai")]
    OpenAi,
    Anthropic,
    Ollama,
    Mock,
}

/// A model tier: agents may name one instead of a model.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum ModelTierName {
    Fast,
    Balanced,
    Powerful,
    Deepseek,
    Local,
}

/// Who said a message of a `/v1/chat` conversation.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum MessageRole {
    System,
    User,
    Assistant,
}

/// Whether an agent can be run.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum AgentStatusName {
    Active,
    Disabled,
}
