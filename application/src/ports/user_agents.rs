//! Users' own agents. Every method is scoped by the user.

use ares_domain::{AgentName, AuditEntry, UserAgent, UserId};
use async_trait::async_trait;

use super::RepoError;

/// Stores users' agents.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserAgentRepository: Send + Sync + 'static {
    /// The user's agents by name.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, user_id: UserId) -> Result<Vec<UserAgent>, RepoError>;

    /// The user's agent with this name, if any.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn find(&self, user_id: UserId, name: &AgentName) -> Result<Option<UserAgent>, RepoError>;

    /// Stores a new agent, with `audit`.
    ///
    /// # Errors
    /// `Conflict(AgentName)` when the user has an agent of that name; `Unexpected` when the store fails.
    async fn insert(&self, agent: &UserAgent, audit: &AuditEntry) -> Result<(), RepoError>;

    /// Replaces the user's agent of the same name, with `audit`; `false` when there is none.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn update(&self, agent: &UserAgent, audit: &AuditEntry) -> Result<bool, RepoError>;

    /// Deletes the user's agent with this name, with `audit`; `false` when there was none.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn delete(&self, user_id: UserId, name: &AgentName, audit: &AuditEntry) -> Result<bool, RepoError>;
}
