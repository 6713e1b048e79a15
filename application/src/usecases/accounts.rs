//! End users' accounts: registration, sign-in, token refresh and sign-out, and the resolution of an access token
//! to a metered caller. Refresh tokens rotate on every use; presenting a spent one revokes its whole family (it
//! was stolen, or replayed). Failed sign-ins are throttled per account and per address, and an unknown email is
//! refused exactly like a wrong password, in comparable time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ares_domain::user::check_password;
use ares_domain::{
    Actor, AuditEntry, Email, InvalidUser, RefreshRecord, RefreshToken, SignInId, Tier, User, UserId, UserName,
};
use chrono::{DateTime, Utc};

use super::caller::Caller;
use crate::ports::{
    Clock, Conflict, KeyGenerator, PasswordHasher, RepoError, Rotation, SessionRepository, TokenIssuer, UserRepository,
};

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Invalid(#[from] InvalidUser),
    #[error("Email already registered")]
    EmailTaken,
    /// The same answer for an unknown email and a wrong password.
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("Too many failed sign-ins. Try again later.")]
    Throttled { retry_after: Duration },
    #[error("Invalid or expired token")]
    InvalidToken,
    /// A spent refresh token was presented again: every token of its sign-in is revoked now.
    #[error("Refresh token reuse detected; sign in again")]
    TokenReused,
    #[error("Account disabled")]
    Disabled,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for AccountError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Conflict(Conflict::Email) => AccountError::EmailTaken,
            other => AccountError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// A new account's details, as submitted. Its `Debug` leaves the password out.
#[derive(Clone)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: String,
}

/// Tokens handed out at sign-in and refresh. Their `Debug` prints neither.
#[derive(Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: RefreshToken,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("email", &self.email).field("name", &self.name).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// How sign-in behaves.
#[derive(Debug, Clone, Copy)]
pub struct AccountPolicy {
    /// The tier new users are metered under.
    pub user_tier: Tier,
    pub refresh_lifetime: Duration,
    /// How long an access token's user is cached (a tier change or a disabled user is seen within that).
    pub session_cache: Duration,
    pub throttle: ThrottlePolicy,
}

/// Failed sign-ins allowed per window, per account and per address.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { per_account: 5, per_address: 20, window: Duration::from_secs(15 * 60) }
    }
}

/// What accounts reach.
pub struct AccountPorts {
    pub users: Arc<dyn UserRepository>,
    pub sessions: Arc<dyn SessionRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn TokenIssuer>,
    pub random: Arc<dyn KeyGenerator>,
    pub clock: Arc<dyn Clock>,
}

/// Accounts and sessions.
pub struct Accounts {
    ports: AccountPorts,
    policy: AccountPolicy,
    /// Sign-in attempts per account and per address in the current window: counted before the password is
    /// checked, so a burst of parallel attempts cannot slip past the limit.
    attempts: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
    sessions: Mutex<HashMap<UserId, CachedUser>>,
}

/// A user as read, `None` when there is none, and when it was read.
type CachedUser = (Option<User>, DateTime<Utc>);

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Beyond this many remembered attempts or sessions, stale ones are dropped.
const MAX_REMEMBERED: usize = 100_000;

impl Accounts {
    #[must_use]
    pub fn new(ports: AccountPorts, policy: AccountPolicy) -> Self {
        Accounts { ports, policy, attempts: Mutex::default(), sessions: Mutex::default() }
    }

    /// Registers a user under the users' tier.
    ///
    /// # Errors
    /// `Invalid` for a malformed email, name or password; `EmailTaken`.
    pub async fn register(&self, registration: Registration) -> Result<User, AccountError> {
        let email = Email::parse(&registration.email)?;
        check_password(&registration.password)?;
        let name = UserName::parse(&registration.name)?;
        let password_hash = self.ports.hasher.hash(&registration.password).await?;
        let now = self.ports.clock.now();
        let user = User {
            id: UserId::new(),
            email,
            name,
            password_hash,
            tier: self.policy.user_tier,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditEntry::new(&Actor::User(user.id.to_string()), "user.registered", now)
            .target("user", user.id)
            .detail("tier", user.tier.as_str());
        self.ports.users.insert(&user, &audit).await?;
        Ok(user)
    }

    /// Signs a user in from `address`.
    ///
    /// # Errors
    /// `Throttled` after too many attempts; `InvalidCredentials` for an unknown email or a wrong password;
    /// `Disabled`.
    pub async fn login(&self, email: &str, password: &str, address: Option<IpAddr>) -> Result<Tokens, AccountError> {
        let account_key = format!("email:{}", email.trim().to_lowercase());
        let address_key = address.map(|ip| format!("ip:{ip}"));
        if let Some(key) = &address_key {
            self.attempt(key, self.policy.throttle.per_address)?;
        }
        if let Err(throttled) = self.attempt(&account_key, self.policy.throttle.per_account) {
            address_key.iter().for_each(|key| self.forgive(key));
            return Err(throttled);
        }
        let user = match Email::parse(email) {
            Ok(email) => self.ports.users.by_email(&email).await?,
            Err(_) => None,
        };
        let verified = self.ports.hasher.verify(password, user.as_ref().map(|u| u.password_hash.clone())).await;
        let Some(user) = user.filter(|_| verified) else {
            return Err(AccountError::InvalidCredentials);
        };
        locked(&self.attempts).remove(&account_key);
        address_key.iter().for_each(|key| self.forgive(key));
        if user.disabled {
            return Err(AccountError::Disabled);
        }
        let refresh = self.refresh_token(user.id, SignInId::new());
        self.ports.sessions.insert(&refresh.1, self.ports.clock.now()).await?;
        self.tokens(user.id, refresh.0)
    }

    /// A new access token for a refresh token, which is spent and replaced.
    ///
    /// # Errors
    /// `InvalidToken` for an unknown, expired or revoked token; `TokenReused` for a spent one (its family is
    /// revoked); `Disabled`.
    pub async fn refresh(&self, presented: &str) -> Result<Tokens, AccountError> {
        // The store gives the next token its predecessor's user and family.
        let (next, record) = self.refresh_token(UserId::new(), SignInId::new());
        let now = self.ports.clock.now();
        match self.ports.sessions.rotate(&RefreshToken::hash_of(presented), &record, now).await? {
            Rotation::Rotated(user_id) => {
                let user = self.ports.users.get(user_id).await?;
                if user.as_ref().is_none_or(|user| user.disabled) {
                    self.ports.sessions.revoke(&record.hash).await?;
                    return Err(if user.is_some() { AccountError::Disabled } else { AccountError::InvalidToken });
                }
                self.tokens(user_id, next)
            }
            Rotation::Reused(user_id) => {
                tracing::warn!(user.id = %user_id, "a spent refresh token was presented: its sign-in is revoked");
                Err(AccountError::TokenReused)
            }
            Rotation::Invalid => Err(AccountError::InvalidToken),
        }
    }

    /// Signs out: the refresh token, and every token of its sign-in, stop working.
    ///
    /// # Errors
    /// `InvalidToken` when the token was not live.
    pub async fn logout(&self, presented: &str) -> Result<(), AccountError> {
        if self.ports.sessions.revoke(&RefreshToken::hash_of(presented)).await? {
            Ok(())
        } else {
            Err(AccountError::InvalidToken)
        }
    }

    /// The caller of an access token: its user, under their tier.
    ///
    /// # Errors
    /// `InvalidToken` for a token that is not a live access token of an existing user; `Disabled`.
    pub async fn authenticate(&self, token: &str) -> Result<(Caller, User), AccountError> {
        let now = self.ports.clock.now();
        let claims = self.ports.tokens.verify(token, now).ok_or(AccountError::InvalidToken)?;
        let user = self.user(claims.user_id, now).await?.ok_or(AccountError::InvalidToken)?;
        if user.disabled {
            return Err(AccountError::Disabled);
        }
        Ok((Caller::user(user.id, user.tier), user))
    }

    /// Forgets a user's cached session (an operator changed them here).
    pub fn forget(&self, user_id: UserId) {
        locked(&self.sessions).remove(&user_id);
    }

    async fn user(&self, id: UserId, now: DateTime<Utc>) -> Result<Option<User>, AccountError> {
        let ttl = chrono::Duration::from_std(self.policy.session_cache).unwrap_or_default();
        let cached = locked(&self.sessions).get(&id).filter(|(_, at)| now - *at < ttl).map(|(user, _)| user.clone());
        if let Some(user) = cached {
            return Ok(user);
        }
        let user = self.ports.users.get(id).await?;
        let mut sessions = locked(&self.sessions);
        if sessions.len() >= MAX_REMEMBERED {
            sessions.retain(|_, (_, at)| now - *at < ttl);
        }
        sessions.insert(id, (user.clone(), now));
        Ok(user)
    }

    fn refresh_token(&self, user_id: UserId, family: SignInId) -> (RefreshToken, RefreshRecord) {
        let random = self.ports.random.generate();
        let token = RefreshToken::from_random(random.expose().trim_start_matches(ares_domain::api_key::KEY_PREFIX));
        let lifetime = chrono::Duration::from_std(self.policy.refresh_lifetime).unwrap_or_default();
        let record =
            RefreshRecord { hash: token.hash(), user_id, family, expires_at: self.ports.clock.now() + lifetime };
        (token, record)
    }

    fn tokens(&self, user_id: UserId, refresh_token: RefreshToken) -> Result<Tokens, AccountError> {
        let access_token = self.ports.tokens.issue(user_id, self.ports.clock.now())?;
        Ok(Tokens { access_token, refresh_token, expires_in: self.ports.tokens.lifetime_secs() })
    }

    /// Counts an attempt under `key`, unless `limit` attempts were made in the current window already.
    fn attempt(&self, key: &str, limit: u32) -> Result<(), AccountError> {
        let now = self.ports.clock.now();
        let window = chrono::Duration::from_std(self.policy.throttle.window).unwrap_or_default();
        let mut attempts = locked(&self.attempts);
        if attempts.len() >= MAX_REMEMBERED {
            attempts.retain(|_, (_, since)| now - *since < window);
        }
        let entry = attempts.entry(key.to_owned()).or_insert((0, now));
        if now - entry.1 >= window {
            *entry = (0, now);
        }
        if entry.0 >= limit {
            let wait = (entry.1 + window - now).to_std().unwrap_or_default();
            return Err(AccountError::Throttled { retry_after: wait.max(Duration::from_secs(1)) });
        }
        entry.0 += 1;
        Ok(())
    }

    /// Takes back an attempt counted under `key`: it succeeded, or was refused before it was tried.
    fn forgive(&self, key: &str) {
        if let Some(entry) = locked(&self.attempts).get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
