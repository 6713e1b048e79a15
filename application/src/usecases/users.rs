//! The operators' view of end users: list, read, change a user's tier or disable them. Changes are audited and
//! reach the user's next request at once on this instance (within the session cache's lifetime elsewhere).

use std::sync::Arc;

use ares_domain::{Actor, AuditEntry, Page, User, UserChange, UserId};

use super::accounts::Accounts;
use crate::ports::{Clock, RepoError, UserRepository};

/// Why an operation on users failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("User not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for UserError {
    fn from(err: RepoError) -> Self {
        UserError::Unexpected(anyhow::Error::new(err))
    }
}

/// Users, for operators.
pub struct Users {
    users: Arc<dyn UserRepository>,
    accounts: Arc<Accounts>,
    clock: Arc<dyn Clock>,
}

impl Users {
    #[must_use]
    pub fn new(users: Arc<dyn UserRepository>, accounts: Arc<Accounts>, clock: Arc<dyn Clock>) -> Self {
        Users { users, accounts, clock }
    }

    /// A page of users, newest first, and how many there are.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn page(&self, page: Page) -> Result<(Vec<User>, u64), UserError> {
        Ok(self.users.page(page).await?)
    }

    /// One user.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: UserId) -> Result<User, UserError> {
        self.users.get(id).await?.ok_or(UserError::NotFound)
    }

    /// Changes a user's tier or disables them.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn update(&self, actor: &Actor, id: UserId, change: UserChange) -> Result<User, UserError> {
        let now = self.clock.now();
        let mut audit = AuditEntry::new(actor, "user.updated", now).target("user", id);
        if let Some(tier) = change.tier {
            audit = audit.detail("tier", tier.as_str());
        }
        if let Some(disabled) = change.disabled {
            audit = audit.detail("disabled", disabled);
        }
        let user = self.users.update(id, change, now, &audit).await?.ok_or(UserError::NotFound)?;
        self.accounts.forget(id);
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::{Email, Tier, UserName};
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ports::{
        MockClock, MockKeyGenerator, MockPasswordHasher, MockSessionRepository, MockTokenIssuer, MockUserRepository,
    };
    use crate::usecases::accounts::{AccountPolicy, AccountPorts, ThrottlePolicy};

    fn user(id: UserId) -> User {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        User {
            id,
            email: Email::parse("a@example.com").unwrap(),
            name: UserName::parse("A").unwrap(),
            password_hash: "h".into(),
            tier: Tier::Pro,
            disabled: false,
            created_at: at,
            updated_at: at,
        }
    }

    fn service(repo: MockUserRepository) -> Users {
        let mut clock = MockClock::new();
        clock.expect_now().returning(|| Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap());
        let (repo, clock): (Arc<dyn UserRepository>, Arc<dyn Clock>) = (Arc::new(repo), Arc::new(clock));
        let ports = AccountPorts {
            users: repo.clone(),
            sessions: Arc::new(MockSessionRepository::new()),
            hasher: Arc::new(MockPasswordHasher::new()),
            tokens: Arc::new(MockTokenIssuer::new()),
            random: Arc::new(MockKeyGenerator::new()),
            clock: clock.clone(),
        };
        let policy = AccountPolicy {
            user_tier: Tier::Free,
            refresh_lifetime: std::time::Duration::from_secs(60),
            session_cache: std::time::Duration::from_secs(1),
            throttle: ThrottlePolicy::default(),
        };
        Users::new(repo, Arc::new(Accounts::new(ports, policy)), clock)
    }

    #[tokio::test]
    async fn a_change_is_audited_with_what_it_changes() {
        let id = UserId::new();
        let mut repo = MockUserRepository::new();
        repo.expect_update()
            .withf(move |got, change, _, audit| {
                *got == id
                    && change.tier == Some(Tier::Pro)
                    && audit.action == "user.updated"
                    && audit.actor == "admin"
                    && audit.details["tier"] == "pro"
                    && !audit.details.contains_key("disabled")
            })
            .returning(move |_, _, _, _| Ok(Some(user(id))));
        let change = UserChange { tier: Some(Tier::Pro), disabled: None };
        let updated = service(repo).update(&Actor::Admin, id, change).await.unwrap();
        assert_eq!(updated.tier, Tier::Pro);
    }

    #[tokio::test]
    async fn an_unknown_user_is_not_found() {
        let mut repo = MockUserRepository::new();
        repo.expect_update().returning(|_, _, _, _| Ok(None));
        repo.expect_get().returning(|_| Ok(None));
        let users = service(repo);
        assert!(matches!(
            users.update(&Actor::Admin, UserId::new(), UserChange::default()).await,
            Err(UserError::NotFound)
        ));
        assert!(matches!(users.get(UserId::new()).await, Err(UserError::NotFound)));
    }
}
