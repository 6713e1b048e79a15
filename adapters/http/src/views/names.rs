//! The closed sets of names the API takes and shows (tiers, product types, provider types, model tiers, roles,
//! statuses), as OpenAPI enums built from the domain's own lists, so the document cannot drift from what is taken.
//! Requests carry them as strings, so that a name outside the set is refused with the domain's own message; these
//! types only describe them.

use ares_domain::{AgentStatus, ModelTier, ProductType, ProviderKind, Severity, Tier};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A string schema of `names`, described by `description`.
fn names<'a>(description: &str, names: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    let names: Vec<&str> = names.into_iter().collect();
    ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(names)).into()
}

/// Declares a schema-only type whose schema is the enum `$names`.
macro_rules! name_set {
    ($(#[$doc:meta])* $name:ident, $description:literal, $names:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                names($description, $names)
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

name_set!(
    /// A tenant's tier.
    TierName,
    "A tenant's tier: its quotas and rate limits",
    Tier::ALL.map(Tier::as_str)
);
name_set!(
    /// A product type.
    ProductTypeName,
    "A product type: which agent templates a provisioned client gets",
    ProductType::ALL.map(ProductType::as_str)
);
name_set!(
    /// A provider's wire format.
    ProviderKindName,
    "A provider's wire format: `openai` is any OpenAI-compatible server (Groq, NVIDIA, vLLM, ...)",
    ProviderKind::ALL.map(ProviderKind::as_str)
);
name_set!(
    /// A model tier.
    ModelTierName,
    "A model tier: agents may name one instead of a model",
    ModelTier::ALL.map(ModelTier::as_str)
);
name_set!(
    /// An agent's status.
    AgentStatusName,
    "Whether an agent can be run",
    [AgentStatus::Active, AgentStatus::Disabled].map(AgentStatus::as_str)
);
name_set!(
    /// A role in a `/v1/chat` conversation.
    MessageRole,
    "Who said a message of a `/v1/chat` conversation",
    ["system", "user", "assistant"]
);
name_set!(
    /// An alert's severity.
    SeverityName,
    "How urgent an alert is",
    Severity::ALL.map(Severity::as_str)
);
