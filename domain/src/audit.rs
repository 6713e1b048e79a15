//! The audit log: one entry per state change an operator makes through the Admin API, a tenant makes to its own
//! keys, or a user makes to their account and agents. An entry says what was done, by whom, to what; its details
//! never hold a secret (a raw key, a key's hash, a provider credential): entries are built from names and ids only.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::{AuditEntryId, TenantId};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An operator, with the admin secret.
    Admin,
    /// A tenant, through one of its API keys: the key's display prefix (`ares_a1b2`).
    Key(String),
    /// A signed-in end user: their id (`usr_...`).
    User(String),
}

impl Actor {
    /// `admin`, or the key's prefix.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Actor::Admin => "admin",
            Actor::Key(prefix) | Actor::User(prefix) => prefix,
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: AuditEntryId,
    /// `tenant.created`, `agent.deleted`, ...
    pub action: String,
    pub actor: String,
    /// The tenant the change concerns, if any.
    pub tenant_id: Option<TenantId>,
    /// What was changed: `tenant:<id>`, `agent:<name>`, `api_key:<id>`, `provider:<name>`, `alert:<id>`.
    pub target: Option<String>,
    pub details: Map<String, Value>,
    pub at: DateTime<Utc>,
}

impl AuditEntry {
    /// An entry of `action` by `actor` at `at`, about nothing in particular yet.
    #[must_use]
    pub fn new(actor: &Actor, action: &str, at: DateTime<Utc>) -> Self {
        AuditEntry {
            id: AuditEntryId::new(),
            action: action.to_owned(),
            actor: actor.name().to_owned(),
            tenant_id: None,
            target: None,
            details: Map::new(),
            at,
        }
    }

    /// The entry concerns `tenant_id` (also given in the details, as the seed's entries show it).
    #[must_use]
    pub fn tenant(mut self, tenant_id: TenantId) -> Self {
        self.tenant_id = Some(tenant_id);
        self.details.insert("tenant_id".into(), Value::String(tenant_id.to_string()));
        self
    }

    /// The entry changed `target` (`agent:risk-analyzer`).
    #[must_use]
    pub fn target(mut self, kind: &str, name: impl std::fmt::Display) -> Self {
        self.target = Some(format!("{kind}:{name}"));
        self
    }

    /// One more detail.
    #[must_use]
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

/// What to look for in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub tenant_id: Option<TenantId>,
    /// Only entries older than this one (paging: the last entry of the previous page).
    pub before: Option<AuditEntryId>,
    pub limit: u64,
}

impl AuditFilter {
    /// The most entries one page holds.
    pub const MAX_LIMIT: u64 = 1000;
    /// What a page holds when `limit` is not given.
    pub const DEFAULT_LIMIT: u64 = 50;
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_entry_names_its_actor_tenant_and_target() {
        let at = Utc.with_ymd_and_hms(2026, 3, 13, 0, 0, 0).unwrap();
        let tenant = TenantId::new();
        let entry = AuditEntry::new(&Actor::Key("ares_a1b2".into()), "api_key.revoked", at)
            .tenant(tenant)
            .target("api_key", "k-1")
            .detail("name", "ci");
        assert_eq!(entry.actor, "ares_a1b2");
        assert_eq!(entry.target.as_deref(), Some("api_key:k-1"));
        assert_eq!(entry.details["tenant_id"], tenant.to_string());
        assert_eq!(AuditEntry::new(&Actor::Admin, "tenant.created", at).actor, "admin");
    }
}
