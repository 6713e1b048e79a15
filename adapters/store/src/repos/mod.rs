//! One repository per aggregate, each written once against diesel's query builder for both backends.

mod agents;
mod alerts;
mod analytics;
mod api_keys;
mod audit;
mod conversations;
mod ledger;
mod memories;
mod providers;
mod runs;
mod sessions;
mod templates;
mod tenants;
mod user_agents;
mod users;

pub use agents::AgentStore;
pub use alerts::AlertStore;
pub use analytics::AnalyticsStore;
pub use api_keys::ApiKeyStore;
pub use audit::AuditStore;
pub use conversations::ConversationStore;
pub use ledger::LedgerStore;
pub use memories::MemoryStore;
pub use providers::ProviderStore;
pub use runs::RunStore;
pub use sessions::SessionStore;
pub use templates::TemplateStore;
pub use tenants::TenantStore;
pub use user_agents::UserAgentStore;
pub use users::UserStore;

use ares_application::ports::RepoError;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::error::corrupt;

/// Timestamps are stored as UTC without zone.
fn stored_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

fn read_time(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// Parses a stored text column with a domain parser, or reports the row as corrupt.
fn parse_stored<T, E: std::fmt::Display>(what: &str, parsed: Result<T, E>) -> Result<T, RepoError> {
    parsed.map_err(|err| corrupt(what, err))
}

/// Free text as both databases hold it: PostgreSQL's `TEXT` cannot hold NUL, so a NUL is stored as U+FFFD (the
/// replacement character) on both, and a text reads back the same from either.
fn storable(text: &str) -> String {
    if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text.to_owned() }
}

fn storable_opt(text: Option<&String>) -> Option<String> {
    text.map(|text| storable(text))
}

/// A stored count or token sum as the domain's unsigned number (stored values are never negative).
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A domain count as a stored `BIGINT`, saturating at the column's maximum.
fn stored_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
