//! A caller's conversations: listed, read with their messages, renamed, deleted. The owner is the caller's
//! account (a user, or a tenant through its keys): another account's conversation is not found.

use std::sync::Arc;

use ares_domain::conversation::title;
use ares_domain::{AccountId, Conversation, ConversationId, InvalidTitle, Memory, MemoryId, Message, UserId};

use crate::ports::{Clock, ConversationRepository, MemoryRepository, RepoError};

/// Why an operation on conversations or memory failed.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error("Conversation not found")]
    NotFound,
    #[error("Memory not found")]
    MemoryNotFound,
    #[error(transparent)]
    Invalid(#[from] InvalidTitle),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for ConversationError {
    fn from(err: RepoError) -> Self {
        ConversationError::Unexpected(anyhow::Error::new(err))
    }
}

/// Conversations and memory.
pub struct Conversations {
    conversations: Arc<dyn ConversationRepository>,
    memories: Arc<dyn MemoryRepository>,
    clock: Arc<dyn Clock>,
}

impl Conversations {
    #[must_use]
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        memories: Arc<dyn MemoryRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Conversations { conversations, memories, clock }
    }

    /// The owner's conversations, most recently updated first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn list(&self, owner: AccountId) -> Result<Vec<Conversation>, ConversationError> {
        Ok(self.conversations.list(owner).await?)
    }

    /// One of the owner's conversations with its messages, oldest first.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get(
        &self,
        owner: AccountId,
        id: ConversationId,
    ) -> Result<(Conversation, Vec<Message>), ConversationError> {
        self.conversations.get(owner, id).await?.ok_or(ConversationError::NotFound)
    }

    /// Gives one of the owner's conversations a title; answers it as it is then.
    ///
    /// # Errors
    /// `Invalid` for a blank, long or control-character title; `NotFound`.
    pub async fn rename(
        &self,
        owner: AccountId,
        id: ConversationId,
        raw_title: &str,
    ) -> Result<Conversation, ConversationError> {
        let title = title(raw_title)?;
        if !self.conversations.rename(owner, id, &title, self.clock.now()).await? {
            return Err(ConversationError::NotFound);
        }
        Ok(self.get(owner, id).await?.0)
    }

    /// Deletes one of the owner's conversations and its messages.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete(&self, owner: AccountId, id: ConversationId) -> Result<(), ConversationError> {
        if self.conversations.delete(owner, id).await? { Ok(()) } else { Err(ConversationError::NotFound) }
    }

    /// What is remembered about the user, oldest first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn memories(&self, user_id: UserId) -> Result<Vec<Memory>, ConversationError> {
        Ok(self.memories.list(user_id).await?)
    }

    /// Forgets one thing remembered about the user.
    ///
    /// # Errors
    /// `MemoryNotFound`.
    pub async fn forget(&self, user_id: UserId, id: MemoryId) -> Result<(), ConversationError> {
        if self.memories.delete(user_id, id).await? { Ok(()) } else { Err(ConversationError::MemoryNotFound) }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ports::{MockClock, MockConversationRepository, MockMemoryRepository};

    fn service(conversations: MockConversationRepository, memories: MockMemoryRepository) -> Conversations {
        let mut clock = MockClock::new();
        clock.expect_now().returning(|| Utc.with_ymd_and_hms(2026, 3, 13, 9, 0, 0).unwrap());
        Conversations::new(Arc::new(conversations), Arc::new(memories), Arc::new(clock))
    }

    #[tokio::test]
    async fn another_accounts_conversation_is_not_found() {
        let mut repo = MockConversationRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        repo.expect_rename().returning(|_, _, _, _| Ok(false));
        repo.expect_delete().returning(|_, _| Ok(false));
        let service = service(repo, MockMemoryRepository::new());
        let (owner, id) = (AccountId::new(), ConversationId::new());
        assert!(matches!(service.get(owner, id).await, Err(ConversationError::NotFound)));
        assert!(matches!(service.rename(owner, id, "Title").await, Err(ConversationError::NotFound)));
        assert!(matches!(service.delete(owner, id).await, Err(ConversationError::NotFound)));
    }

    #[tokio::test]
    async fn a_title_is_checked_before_anything_is_written() {
        let service = service(MockConversationRepository::new(), MockMemoryRepository::new());
        let refused = service.rename(AccountId::new(), ConversationId::new(), "\u{0}").await;
        assert!(matches!(refused, Err(ConversationError::Invalid(_))));
    }

    #[tokio::test]
    async fn a_rename_is_scoped_to_the_owner_and_trimmed() {
        let (owner, id) = (AccountId::new(), ConversationId::new());
        let mut repo = MockConversationRepository::new();
        repo.expect_rename()
            .withf(move |o, i, title, _| *o == owner && *i == id && title == "Pricing discussion")
            .returning(|_, _, _, _| Ok(true));
        repo.expect_get().returning(move |_, _| {
            let at = Utc.with_ymd_and_hms(2026, 3, 13, 9, 0, 0).unwrap();
            let conversation = Conversation {
                id,
                owner,
                title: "Pricing discussion".into(),
                agent: None,
                messages: 0,
                created_at: at,
                updated_at: at,
            };
            Ok(Some((conversation, Vec::new())))
        });
        let renamed = service(repo, MockMemoryRepository::new()).rename(owner, id, " Pricing discussion ").await;
        assert_eq!(renamed.unwrap().title, "Pricing discussion");
    }

    #[tokio::test]
    async fn forgetting_an_unknown_memory_is_not_found() {
        let mut memories = MockMemoryRepository::new();
        memories.expect_delete().returning(|_, _| Ok(false));
        let service = service(MockConversationRepository::new(), memories);
        assert!(matches!(service.forget(UserId::new(), MemoryId::new()).await, Err(ConversationError::MemoryNotFound)));
    }
}
