//! Tenant tiers and the quotas each tier grants. The quota numbers are configuration; the defaults are the
//! documented ones.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The tier a tenant is on: it decides the tenant's quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Free,
    Dev,
    Pro,
    Enterprise,
}

/// A tier name that is not one of the four tiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid tier: '{0}'. Valid tiers: free, dev, pro, enterprise")]
pub struct InvalidTier(pub String);

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 4] = [Tier::Free, Tier::Dev, Tier::Pro, Tier::Enterprise];

    /// The lowercase name used on the wire and in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Dev => "dev",
            Tier::Pro => "pro",
            Tier::Enterprise => "enterprise",
        }
    }
}

impl FromStr for Tier {
    type Err = InvalidTier;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Tier::ALL.into_iter().find(|tier| tier.as_str() == raw).ok_or_else(|| InvalidTier(raw.to_owned()))
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The limits of one tier. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub monthly_requests: Option<u64>,
    pub monthly_tokens: Option<u64>,
    pub daily_requests: Option<u64>,
    /// What the month's requests may cost, in billionths of a US dollar: crossing 80% and 90% of it raises alerts
    /// (nothing is refused for it).
    #[serde(default)]
    pub monthly_cost_nanos: Option<u64>,
}

impl Quota {
    /// A quota with no limits at all.
    pub const UNLIMITED: Quota =
        Quota { monthly_requests: None, monthly_tokens: None, daily_requests: None, monthly_cost_nanos: None };

    const fn limited(monthly_requests: u64, monthly_tokens: u64, daily_requests: u64) -> Quota {
        Quota {
            monthly_requests: Some(monthly_requests),
            monthly_tokens: Some(monthly_tokens),
            daily_requests: Some(daily_requests),
            monthly_cost_nanos: None,
        }
    }
}

/// The quota of every tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierQuotas {
    pub free: Quota,
    pub dev: Quota,
    pub pro: Quota,
    pub enterprise: Quota,
}

impl TierQuotas {
    /// The quota granted by `tier`.
    #[must_use]
    pub fn of(&self, tier: Tier) -> Quota {
        match tier {
            Tier::Free => self.free,
            Tier::Dev => self.dev,
            Tier::Pro => self.pro,
            Tier::Enterprise => self.enterprise,
        }
    }
}

impl Default for TierQuotas {
    /// The documented defaults (Multi-Tenant Architecture, Tiers).
    fn default() -> Self {
        TierQuotas {
            free: Quota::limited(1_000, 100_000, 100),
            dev: Quota::limited(10_000, 1_000_000, 1_000),
            pro: Quota::limited(100_000, 10_000_000, 10_000),
            enterprise: Quota::UNLIMITED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_parses_from_its_own_name() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(tier));
        }
    }

    #[test]
    fn an_unknown_tier_names_the_valid_ones() {
        let err = "gold".parse::<Tier>().unwrap_err();
        assert_eq!(err.to_string(), "Invalid tier: 'gold'. Valid tiers: free, dev, pro, enterprise");
    }

    #[test]
    fn tier_names_are_case_sensitive() {
        assert!("Pro".parse::<Tier>().is_err());
    }

    #[test]
    fn default_quotas_are_the_documented_ones() {
        let quotas = TierQuotas::default();
        assert_eq!(quotas.of(Tier::Free), Quota::limited(1_000, 100_000, 100));
        assert_eq!(quotas.of(Tier::Dev), Quota::limited(10_000, 1_000_000, 1_000));
        assert_eq!(quotas.of(Tier::Pro), Quota::limited(100_000, 10_000_000, 10_000));
        assert_eq!(quotas.of(Tier::Enterprise), Quota::UNLIMITED);
    }
}
