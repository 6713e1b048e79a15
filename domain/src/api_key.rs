//! API keys: `ares_` followed by random alphanumerics, bound to one tenant, stored only as a SHA-256 hash.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::{ApiKeyId, TenantId};

/// Every API key starts with this.
pub const KEY_PREFIX: &str = "ares_";
/// How many random characters follow the prefix in a key ARES issues.
pub const KEY_RANDOM_LEN: usize = 40;
/// The fewest random characters a well-formed key has.
pub const MIN_RANDOM_LEN: usize = 32;
/// How many characters of a key are kept in clear to recognise it in listings (`ares_a1b2`).
pub const DISPLAY_PREFIX_LEN: usize = KEY_PREFIX.len() + 4;

/// A key in clear: shown once to whoever created it, never stored. Its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct RawApiKey(String);

impl RawApiKey {
    /// Builds a key from its random part.
    ///
    /// # Panics
    /// Never; `random` that is not long enough alphanumerics yields `None`.
    #[must_use]
    pub fn from_random(random: &str) -> Option<Self> {
        Self::parse(&format!("{KEY_PREFIX}{random}"))
    }

    /// Accepts `raw` when it is shaped like a key ARES issues.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        let random = raw.strip_prefix(KEY_PREFIX)?;
        let well_formed = random.len() >= MIN_RANDOM_LEN && random.chars().all(|c| c.is_ascii_alphanumeric());
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// The key in clear, to hand to its owner once.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The part of the key kept in clear to recognise it.
    #[must_use]
    pub fn display_prefix(&self) -> String {
        self.0.chars().take(DISPLAY_PREFIX_LEN).collect()
    }

    /// The hash under which the key is stored and looked up.
    #[must_use]
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }
}

impl fmt::Debug for RawApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawApiKey({}…)", self.display_prefix())
    }
}

/// The lowercase hex SHA-256 of a key. Keys carry 238 random bits, so a fast hash is enough.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyHash(String);

impl KeyHash {
    /// The hash of `raw`.
    #[must_use]
    pub fn of(raw: &str) -> Self {
        let digest = Sha256::digest(raw.as_bytes());
        Self(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// Rebuilds a hash read back from storage.
    #[must_use]
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }
}

impl AsRef<str> for KeyHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A tenant's API key, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub prefix: String,
    pub hash: KeyHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    pub revoked: bool,
}

impl ApiKey {
    /// The stored record of a freshly issued `raw` key.
    #[must_use]
    pub fn issue(
        tenant_id: TenantId,
        name: String,
        raw: &RawApiKey,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        ApiKey {
            id: ApiKeyId::new(),
            tenant_id,
            name,
            prefix: raw.display_prefix(),
            hash: raw.hash(),
            created_at: now,
            expires_at,
            last_used: None,
            revoked: false,
        }
    }

    /// Whether the key authenticates requests at `now`.
    #[must_use]
    pub fn is_usable_at(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.expires_at.is_none_or(|expiry| now < expiry)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    const RANDOM: &str = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0";

    #[test]
    fn a_key_is_the_prefix_and_at_least_32_alphanumerics() {
        assert!(RawApiKey::parse(&format!("ares_{}", &RANDOM[..32])).is_some());
        assert!(RawApiKey::parse(&format!("ares_{}", &RANDOM[..31])).is_none());
        assert!(RawApiKey::parse(&format!("sk_{RANDOM}")).is_none());
        assert!(RawApiKey::parse(&format!("ares_{}-", &RANDOM[..32])).is_none());
    }

    #[test]
    fn the_display_prefix_is_the_first_four_random_characters() {
        let raw = RawApiKey::from_random(RANDOM).unwrap();
        assert_eq!(raw.display_prefix(), "ares_a1b2");
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(KeyHash::of("abc").as_ref(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn debug_never_prints_the_whole_key() {
        let raw = RawApiKey::from_random(RANDOM).unwrap();
        assert!(!format!("{raw:?}").contains(RANDOM));
    }

    #[test]
    fn revoked_or_expired_keys_are_not_usable() {
        let now = Utc::now();
        let raw = RawApiKey::from_random(RANDOM).unwrap();
        let key = ApiKey::issue(TenantId::new(), "k".into(), &raw, now, Some(now + Duration::days(1)));
        assert!(key.is_usable_at(now));
        assert!(!key.is_usable_at(now + Duration::days(1)));
        assert!(!ApiKey { revoked: true, ..key }.is_usable_at(now));
    }
}
