//! Tenants: the isolated namespace of one client company.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{ProductType, TenantId, Tier};

const MAX_NAME_LEN: usize = 63;

/// A valid tenant name: 1 to 63 lowercase ASCII letters, digits and hyphens, starting and ending with a letter or
/// digit. A `TenantName` that exists is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TenantName(String);

/// Why a tenant name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Invalid tenant name: '{0}'. Use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
)]
pub struct InvalidTenantName(pub String);

impl TenantName {
    /// Validates `raw` as a tenant name.
    ///
    /// # Errors
    /// `InvalidTenantName` when `raw` breaks the naming rules.
    pub fn parse(raw: &str) -> Result<Self, InvalidTenantName> {
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        let valid = !raw.is_empty()
            && raw.len() <= MAX_NAME_LEN
            && raw.chars().all(allowed)
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if valid { Ok(Self(raw.to_owned())) } else { Err(InvalidTenantName(raw.to_owned())) }
    }
}

impl AsRef<str> for TenantName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client company on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: TenantName,
    pub tier: Tier,
    /// The template set it was provisioned from, when it was provisioned rather than created bare.
    pub product_type: Option<ProductType>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tenant {
    /// A new tenant created at `now`.
    #[must_use]
    pub fn new(name: TenantName, tier: Tier, product_type: Option<ProductType>, now: DateTime<Utc>) -> Self {
        Tenant { id: TenantId::new(), name, tier, product_type, created_at: now, updated_at: now }
    }
}

/// What a tenant holds: its agents, and its live (unrevoked) API keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantStats {
    pub agent_count: u64,
    pub api_key_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_alphanumerics_and_hyphens_make_a_name() {
        for ok in ["acme-corp", "a", "x1", "2fast-2-furious", &"a".repeat(63)] {
            assert!(TenantName::parse(ok).is_ok(), "{ok} should be valid");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "Acme", "acme corp", "acme_corp", "-acme", "acme-", "acmé", &"a".repeat(64)] {
            assert_eq!(TenantName::parse(bad), Err(InvalidTenantName(bad.to_owned())), "{bad}");
        }
    }
}
