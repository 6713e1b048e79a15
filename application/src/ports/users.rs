//! End users' ports: their accounts, their refresh tokens, and the two infrastructure services sign-in needs
//! (password hashing, access tokens).

use ares_domain::{AuditEntry, Email, KeyHash, Page, RefreshRecord, User, UserChange, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// Stores users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync + 'static {
    /// Stores a new user and opens their usage account, with `audit`, in one transaction.
    ///
    /// # Errors
    /// `Conflict(Email)` when the email is taken; `Unexpected` when the store fails.
    async fn insert(&self, user: &User, audit: &AuditEntry) -> Result<(), RepoError>;

    /// The user with this email, if any.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn by_email(&self, email: &Email) -> Result<Option<User>, RepoError>;

    /// The user with this id, if any.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn get(&self, id: UserId) -> Result<Option<User>, RepoError>;

    /// A page of users, newest first, and how many there are.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn page(&self, page: Page) -> Result<(Vec<User>, u64), RepoError>;

    /// Applies `change` at `now`; the user as it is then, `None` when there is no such user. `audit` is written
    /// with the change, only when something changed.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn update(
        &self,
        id: UserId,
        change: UserChange,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Option<User>, RepoError>;
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live: it is spent now, and `next` (same family) replaces it.
    Rotated(UserId),
    /// The token was already spent: someone replayed it, so its whole family is revoked.
    Reused(UserId),
    /// Unknown, expired or revoked.
    Invalid,
}

/// Stores refresh tokens by their hash.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync + 'static {
    /// Stores a new refresh token, issued at `now`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn insert(&self, token: &RefreshRecord, now: DateTime<Utc>) -> Result<(), RepoError>;

    /// Spends the token with hash `presented` at `now` and stores `next` (given the presented token's user and
    /// family, whatever `next` says) in its family, atomically (two requests
    /// presenting one token rotate it once: the other sees it spent). A spent token revokes its family.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn rotate(
        &self,
        presented: &KeyHash,
        next: &RefreshRecord,
        now: DateTime<Utc>,
    ) -> Result<Rotation, RepoError>;

    /// Revokes the token with this hash and every token of its family; `false` when it was not live.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn revoke(&self, presented: &KeyHash) -> Result<bool, RepoError>;
}

/// Hashes and checks passwords (bcrypt). Slow on purpose: implementations keep the work off the async threads.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync + 'static {
    /// The hash to store for `password`.
    ///
    /// # Errors
    /// When hashing fails.
    async fn hash(&self, password: &str) -> anyhow::Result<String>;

    /// Whether `password` matches `hash`; `hash` `None` does the same work and says no (an unknown email takes as
    /// long to refuse as a wrong password).
    async fn verify(&self, password: &str, hash: Option<String>) -> bool;
}

/// What a verified access token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
}

/// Signs and verifies access tokens (JWT, HS256).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync + 'static {
    /// An access token for `user_id`, issued at `now`, valid until `now + lifetime`.
    ///
    /// # Errors
    /// When signing fails.
    fn issue(&self, user_id: UserId, now: DateTime<Utc>) -> anyhow::Result<String>;

    /// The claims of `token` when it is an access token ARES signed and it has not expired at `now`.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<AccessClaims>;

    /// How long an access token lives, in seconds.
    fn lifetime_secs(&self) -> u64;
}
