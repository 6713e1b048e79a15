//! Who a request comes from and who pays for it. Every metered use case takes a `Caller`; the ledger counts the
//! request against its `Payer`'s account, under its tier.

pub use ares_domain::Payer;
use ares_domain::{AccountId, ApiKeyId, TenantId, Tier, UserId};

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer ares_...`.
    ApiKey(ApiKeyId),
    /// `Authorization: Bearer <access token>` of a signed-in user.
    Session,
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

    /// A signed-in user.
    #[must_use]
    pub fn user(user_id: UserId, tier: Tier) -> Self {
        Caller { payer: Payer::User(user_id), tier, via: Via::Session }
    }

    /// The account the request is metered to, and whose conversations it may see.
    #[must_use]
    pub fn account(&self) -> AccountId {
        self.payer.account()
    }

    /// The API key the request came with.
    #[must_use]
    pub fn key_id(&self) -> Option<ApiKeyId> {
        match self.via {
            Via::ApiKey(id) => Some(id),
            Via::Session => None,
        }
    }
}
