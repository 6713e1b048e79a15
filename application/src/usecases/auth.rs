//! API key authentication for the client API. Keys are looked up by their SHA-256 through a small cache: an entry
//! lives `ttl` (a second by default), so a key revoked on another instance stops working within that; revocation
//! and tier changes on this instance drop the entries at once. `last_used` is kept in memory and written in
//! batches (`flush_last_used`), never once per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ares_domain::api_key::KEY_PREFIX;
use ares_domain::{ApiKey, ApiKeyId, KeyHash, TenantId, Tier};
use chrono::{DateTime, Utc};

use super::caller::Caller;
use crate::ports::{ApiKeyRepository, Clock, RepoError};

/// Beyond this many cached keys, stale entries are dropped (and all of them, if that is not enough).
const MAX_CACHED: usize = 10_000;

/// Why a key was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown, malformed or revoked.
    #[error("Invalid API key")]
    Invalid,
    #[error("API key has expired")]
    Expired,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for AuthError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

struct Cached {
    key: Option<(ApiKey, Tier)>,
    fetched_at: DateTime<Utc>,
}

/// Resolves bearer keys to callers.
pub struct Authenticator {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
    ttl: chrono::Duration,
    cache: Mutex<HashMap<KeyHash, Cached>>,
    last_used: Mutex<HashMap<ApiKeyId, DateTime<Utc>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Authenticator {
    #[must_use]
    pub fn new(keys: Arc<dyn ApiKeyRepository>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Authenticator {
            keys,
            clock,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(1)),
            cache: Mutex::default(),
            last_used: Mutex::default(),
        }
    }

    /// The caller of the key `raw` (without `Bearer `).
    ///
    /// # Errors
    /// `Invalid` for a malformed, unknown or revoked key, `Expired` for one past its expiry.
    pub async fn authenticate(&self, raw: &str) -> Result<Caller, AuthError> {
        if !raw.starts_with(KEY_PREFIX) {
            return Err(AuthError::Invalid);
        }
        let hash = KeyHash::of(raw);
        let now = self.clock.now();
        let (key, tier) = match self.cached(&hash, now) {
            Some(found) => found,
            None => {
                let found = self.keys.find_by_hash(&hash).await?;
                self.remember(hash, found.clone(), now);
                found
            }
        }
        .ok_or(AuthError::Invalid)?;
        if key.revoked {
            return Err(AuthError::Invalid);
        }
        if !key.is_usable_at(now) {
            return Err(AuthError::Expired);
        }
        locked(&self.last_used).insert(key.id, now);
        Ok(Caller::api_key(key.tenant_id, key.id, tier))
    }

    fn cached(&self, hash: &KeyHash, now: DateTime<Utc>) -> Option<Option<(ApiKey, Tier)>> {
        let cache = locked(&self.cache);
        cache.get(hash).filter(|entry| now - entry.fetched_at < self.ttl).map(|entry| entry.key.clone())
    }

    fn remember(&self, hash: KeyHash, key: Option<(ApiKey, Tier)>, now: DateTime<Utc>) {
        let mut cache = locked(&self.cache);
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, entry| now - entry.fetched_at < self.ttl);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(hash, Cached { key, fetched_at: now });
    }

    /// Forgets a key at once (it was revoked here).
    pub fn forget_key(&self, id: ApiKeyId) {
        locked(&self.cache).retain(|_, entry| entry.key.as_ref().is_none_or(|(key, _)| key.id != id));
    }

    /// Forgets every key of a tenant (its tier changed): the next request reads the new tier.
    pub fn forget_tenant(&self, tenant_id: TenantId) {
        locked(&self.cache).retain(|_, entry| entry.key.as_ref().is_none_or(|(key, _)| key.tenant_id != tenant_id));
    }

    /// Writes the `last_used` times gathered since the last flush, in one call.
    ///
    /// # Errors
    /// `Unexpected` when the store fails; the times are kept for the next flush then.
    pub async fn flush_last_used(&self) -> Result<usize, RepoError> {
        let pending: Vec<(ApiKeyId, DateTime<Utc>)> = locked(&self.last_used).drain().collect();
        if pending.is_empty() {
            return Ok(0);
        }
        if let Err(err) = self.keys.record_last_used(&pending).await {
            let mut last_used = locked(&self.last_used);
            for (id, at) in pending {
                last_used.entry(id).or_insert(at);
            }
            return Err(err);
        }
        Ok(pending.len())
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::RawApiKey;
    use chrono::TimeZone;

    use super::*;
    use crate::ports::{MockApiKeyRepository, MockClock};

    const RANDOM: &str = "x7k9m2p4q8r1s5t3x7k9m2p4q8r1s5t3abcdefgh";

    fn key(expires_at: Option<DateTime<Utc>>, revoked: bool) -> (RawApiKey, ApiKey) {
        let raw = RawApiKey::from_random(RANDOM).unwrap();
        let mut key = ApiKey::issue(TenantId::new(), "k".into(), &raw, at(0), expires_at);
        key.revoked = revoked;
        (raw, key)
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 13, 12, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
    }

    fn clock(now: Arc<Mutex<DateTime<Utc>>>) -> Arc<MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().returning(move || *now.lock().unwrap());
        Arc::new(clock)
    }

    #[tokio::test]
    async fn a_key_is_looked_up_once_per_ttl_and_its_tier_comes_with_it() {
        let (raw, stored) = key(None, false);
        let mut keys = MockApiKeyRepository::new();
        let found = stored.clone();
        keys.expect_find_by_hash().times(2).returning(move |_| Ok(Some((found.clone(), Tier::Pro))));
        let now = Arc::new(Mutex::new(at(0)));
        let auth = Authenticator::new(Arc::new(keys), clock(now.clone()), Duration::from_secs(1));
        for _ in 0..3 {
            let caller = auth.authenticate(raw.expose()).await.unwrap();
            assert_eq!((caller.payer.tenant(), caller.tier), (Some(stored.tenant_id), Tier::Pro));
        }
        *now.lock().unwrap() = at(2);
        auth.authenticate(raw.expose()).await.unwrap();
    }

    #[tokio::test]
    async fn unknown_revoked_and_expired_keys_are_refused_with_their_messages() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_by_hash().times(1).returning(|_| Ok(None));
        let auth = Authenticator::new(Arc::new(keys), clock(Arc::new(Mutex::new(at(0)))), Duration::from_secs(1));
        assert_eq!(auth.authenticate("sk-not-ours").await.unwrap_err().to_string(), "Invalid API key");
        assert_eq!(auth.authenticate(&format!("ares_{RANDOM}")).await.unwrap_err().to_string(), "Invalid API key");

        for (stored, message) in
            [(key(None, true).1, "Invalid API key"), (key(Some(at(-1)), false).1, "API key has expired")]
        {
            let mut keys = MockApiKeyRepository::new();
            keys.expect_find_by_hash().returning(move |_| Ok(Some((stored.clone(), Tier::Free))));
            let auth = Authenticator::new(Arc::new(keys), clock(Arc::new(Mutex::new(at(0)))), Duration::from_secs(1));
            assert_eq!(auth.authenticate(&format!("ares_{RANDOM}")).await.unwrap_err().to_string(), message);
        }
    }

    #[tokio::test]
    async fn forgetting_a_key_makes_the_next_request_read_the_store() {
        let (raw, stored) = key(None, false);
        let revoked = ApiKey { revoked: true, ..stored.clone() };
        let mut keys = MockApiKeyRepository::new();
        let mut calls = 0;
        keys.expect_find_by_hash().times(2).returning(move |_| {
            calls += 1;
            Ok(Some((if calls == 1 { stored.clone() } else { revoked.clone() }, Tier::Dev)))
        });
        let auth = Authenticator::new(Arc::new(keys), clock(Arc::new(Mutex::new(at(0)))), Duration::from_secs(60));
        let caller = auth.authenticate(raw.expose()).await.unwrap();
        auth.forget_key(caller.key_id().unwrap());
        assert!(matches!(auth.authenticate(raw.expose()).await, Err(AuthError::Invalid)));
    }

    #[tokio::test]
    async fn last_used_is_written_in_one_batch_and_kept_when_the_store_fails() {
        let (raw, stored) = key(None, false);
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_by_hash().returning(move |_| Ok(Some((stored.clone(), Tier::Dev))));
        let mut attempts = 0;
        keys.expect_record_last_used().times(2).returning(move |used| {
            attempts += 1;
            assert_eq!(used.len(), 1);
            if attempts == 1 { Err(RepoError::Unexpected(anyhow::anyhow!("down"))) } else { Ok(()) }
        });
        let auth = Authenticator::new(Arc::new(keys), clock(Arc::new(Mutex::new(at(0)))), Duration::from_secs(1));
        for _ in 0..5 {
            auth.authenticate(raw.expose()).await.unwrap();
        }
        assert!(auth.flush_last_used().await.is_err());
        assert_eq!(auth.flush_last_used().await.unwrap(), 1);
        assert_eq!(auth.flush_last_used().await.unwrap(), 0);
    }
}
