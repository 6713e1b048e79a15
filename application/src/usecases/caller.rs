//! Who a request comes from and who pays for it. Every metered use case takes a `Caller`; the ledger counts the
//! request against its `Payer`, under its tier.

use ares_domain::{ApiKeyId, TenantId, Tier};

/// The account a request is metered as: the ledger's subject. A tenant today; a signed-in end user joins as a
/// payer of its own (metered as the user, against the users' tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payer {
    /// A client company, through one of its API keys.
    Tenant(TenantId),
}

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer ares_...`.
    ApiKey(ApiKeyId),
}

/// An authenticated caller: who pays, under which tier, signed in how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub payer: Payer,
    pub tier: Tier,
    pub via: Via,
}

impl Caller {
    /// A tenant's API key.
    #[must_use]
    pub fn api_key(tenant_id: TenantId, key_id: ApiKeyId, tier: Tier) -> Self {
        Caller { payer: Payer::Tenant(tenant_id), tier, via: Via::ApiKey(key_id) }
    }

    /// The tenant whose data the request may see.
    #[must_use]
    pub fn tenant_id(&self) -> TenantId {
        match self.payer {
            Payer::Tenant(id) => id,
        }
    }

    /// The API key the request came with.
    #[must_use]
    pub fn key_id(&self) -> Option<ApiKeyId> {
        match self.via {
            Via::ApiKey(id) => Some(id),
        }
    }
}
