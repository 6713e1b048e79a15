//! Conversations and memory. Conversations are owned by an account (a user, or a tenant through its keys) and
//! every method is scoped by it; their turns are added by the usage ledger when a chat is recorded.

use ares_domain::{AccountId, Conversation, ConversationId, Memory, MemoryId, Message, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// Stores conversations.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConversationRepository: Send + Sync + 'static {
    /// The owner's conversations, most recently updated first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, owner: AccountId) -> Result<Vec<Conversation>, RepoError>;

    /// The owner's conversation with its messages, oldest first; `None` when the owner has none with this id.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn get(
        &self,
        owner: AccountId,
        id: ConversationId,
    ) -> Result<Option<(Conversation, Vec<Message>)>, RepoError>;

    /// Renames the owner's conversation; `false` when the owner has none with this id.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn rename(
        &self,
        owner: AccountId,
        id: ConversationId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError>;

    /// Deletes the owner's conversation and its messages; `false` when the owner has none with this id.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn delete(&self, owner: AccountId, id: ConversationId) -> Result<bool, RepoError>;
}

/// Stores what ARES remembers about users.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MemoryRepository: Send + Sync + 'static {
    /// The user's memories, oldest first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, user_id: UserId) -> Result<Vec<Memory>, RepoError>;

    /// Adds memories; one the user already has (same kind and text) is not added twice.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn add(&self, memories: &[Memory]) -> Result<(), RepoError>;

    /// Deletes the user's memory with this id; `false` when the user has none.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn delete(&self, user_id: UserId, id: MemoryId) -> Result<bool, RepoError>;
}
