//! The contract of the end users' repositories (users, refresh tokens, conversations, memories, users' agents),
//! against real PostgreSQL and real SQLite, each test on a database of its own. The same test body runs on both
//! backends. Conversations are written by the usage ledger, so these tests write their rows in SQL.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use ares_application::ports::{
    AuditLog, Conflict, ConversationRepository, MemoryRepository, RepoError, Rotation, SessionRepository,
    UserAgentRepository, UserRepository,
};
use ares_domain::{
    AccountId, Actor, AgentConfig, AgentName, AgentType, AuditEntry, AuditFilter, ConversationId, Email, KeyHash,
    Memory, MemoryId, MemoryKind, Page, RefreshRecord, RefreshToken, SignInId, Speaker, Tier, User, UserAgent,
    UserChange, UserId, UserName,
};
use ares_store::contract;
use ares_store::testing::TestDb;
use ares_store::{AuditStore, Backend, ConversationStore, MemoryStore, SessionStore, UserAgentStore, UserStore};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

contract!(
    a_user_is_stored_with_their_usage_account_and_found_by_email_or_id,
    a_taken_email_is_an_email_conflict_and_writes_nothing,
    users_are_paged_newest_first_with_their_total,
    a_user_update_writes_only_when_something_changes,
    a_live_token_rotates_into_its_family_and_a_replay_revokes_the_family,
    expired_unknown_and_revoked_tokens_do_not_rotate,
    revoking_a_token_revokes_its_whole_family,
    concurrent_rotations_of_one_token_rotate_it_once,
    conversations_are_listed_most_recent_first_with_their_message_counts,
    a_conversation_is_read_with_its_messages_in_order_and_renamed,
    an_owner_cannot_reach_another_owners_conversations,
    deleting_a_conversation_deletes_its_messages,
    memories_are_kept_once_listed_oldest_first_and_deleted_per_user,
    user_agents_are_unique_per_user_and_invisible_to_others,
    user_agent_changes_write_their_audit_entries_only_when_they_happen,
);

/// Whole seconds, so a timestamp reads back equal on both backends.
fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

/// `at(day)` as a SQL timestamp literal both backends read back.
fn sql_time(day: u32) -> String {
    at(day).format("%Y-%m-%d %H:%M:%S").to_string()
}

struct Stores {
    db: TestDb,
    users: UserStore,
    sessions: SessionStore,
    conversations: ConversationStore,
    memories: MemoryStore,
    agents: UserAgentStore,
    audit: AuditStore,
}

async fn stores(backend: Backend) -> Stores {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    Stores {
        users: UserStore::new(db.clone()),
        sessions: SessionStore::new(db.clone()),
        conversations: ConversationStore::new(db.clone()),
        memories: MemoryStore::new(db.clone()),
        agents: UserAgentStore::new(db.clone()),
        audit: AuditStore::new(db),
        db: test_db,
    }
}

impl Stores {
    /// A user stored on `day`.
    async fn signed_up(&self, email: &str, day: u32) -> User {
        let user = user(email, day);
        self.users.insert(&user, &audit("user.created")).await.unwrap();
        user
    }

    async fn audit_entries(&self) -> Vec<AuditEntry> {
        self.audit.list(&AuditFilter { limit: 100, ..AuditFilter::default() }).await.unwrap()
    }

    async fn rows(&self, table: &str) -> i64 {
        self.db.count_rows(table).await.unwrap()
    }

    /// A conversation of `owner` updated on `day`, with these messages, written as the ledger writes them.
    async fn conversation(
        &self,
        owner: AccountId,
        title: &str,
        day: u32,
        messages: &[(Speaker, &str)],
    ) -> ConversationId {
        let id = ConversationId::new();
        let mut sql = format!(
            "INSERT INTO conversations (id, owner, title, agent, created_at, updated_at) \
             VALUES ('{id}', '{owner}', '{title}', 'assistant', '{}', '{}');",
            sql_time(1),
            sql_time(day)
        );
        for (speaker, content) in messages {
            sql.push_str(&format!(
                "INSERT INTO messages (conversation_id, role, content, created_at) \
                 VALUES ('{id}', '{}', '{content}', '{}');",
                speaker.as_str(),
                sql_time(day)
            ));
        }
        self.db.execute(&sql).await.unwrap();
        id
    }
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry::new(&Actor::Admin, action, at(13))
}

fn user(email: &str, day: u32) -> User {
    User {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        name: UserName::parse("Jane Developer").unwrap(),
        password_hash: "$2b$12$abcdefghijklmnopqrstuv".into(),
        tier: Tier::Free,
        disabled: false,
        created_at: at(day),
        updated_at: at(day),
    }
}

fn page(number: u64, size: u64) -> Page {
    Page::parse(Some(number), Some(size)).unwrap()
}

async fn a_user_is_stored_with_their_usage_account_and_found_by_email_or_id(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 13).await;
    assert_eq!(s.users.get(jane.id).await.unwrap(), Some(jane.clone()));
    assert_eq!(s.users.by_email(&Email::parse("Jane@Example.com").unwrap()).await.unwrap(), Some(jane.clone()));
    assert_eq!(s.users.by_email(&Email::parse("john@example.com").unwrap()).await.unwrap(), None);
    assert_eq!(s.users.get(UserId::new()).await.unwrap(), None);
    let account = AccountId::from(jane.id);
    assert_eq!(s.rows(&format!("tenant_quotas WHERE tenant_id = '{account}' AND month_requests = 0")).await, 1);
    assert_eq!(s.db.text_column("users", "id").await.unwrap(), [jane.id.to_string()]);
    assert_eq!(s.audit_entries().await.len(), 1);
}

async fn a_taken_email_is_an_email_conflict_and_writes_nothing(backend: Backend) {
    let s = stores(backend).await;
    s.signed_up("jane@example.com", 13).await;
    let twin = user("JANE@example.com", 14);
    let err = s.users.insert(&twin, &audit("user.created")).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::Email)), "{err:?}");
    assert_eq!(s.users.get(twin.id).await.unwrap(), None);
    assert_eq!(s.rows("tenant_quotas").await, 1, "the failed sign-up opened no usage account");
    assert_eq!(s.audit_entries().await.len(), 1, "nor wrote its audit entry");
}

async fn users_are_paged_newest_first_with_their_total(backend: Backend) {
    let s = stores(backend).await;
    let first = s.signed_up("first@example.com", 10).await;
    let second = s.signed_up("second@example.com", 11).await;
    let third = s.signed_up("third@example.com", 12).await;
    let (users, total) = s.users.page(page(1, 2)).await.unwrap();
    assert_eq!((users, total), (vec![third, second], 3));
    let (users, total) = s.users.page(page(2, 2)).await.unwrap();
    assert_eq!((users, total), (vec![first], 3));
    assert_eq!(s.users.page(page(3, 2)).await.unwrap(), (vec![], 3));
}

async fn a_user_update_writes_only_when_something_changes(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 10).await;
    let same = UserChange { tier: Some(Tier::Free), disabled: Some(false) };
    assert_eq!(s.users.update(jane.id, same, at(14), &audit("user.updated")).await.unwrap(), Some(jane.clone()));
    let nothing = UserChange::default();
    assert_eq!(s.users.update(jane.id, nothing, at(14), &audit("user.updated")).await.unwrap(), Some(jane.clone()));
    assert_eq!(s.audit_entries().await.len(), 1, "no change, no audit entry");

    let change = UserChange { tier: Some(Tier::Pro), disabled: None };
    let updated = s.users.update(jane.id, change, at(15), &audit("user.updated")).await.unwrap().unwrap();
    let expected = User { tier: Tier::Pro, updated_at: at(15), ..jane.clone() };
    assert_eq!(updated, expected);
    let disable = UserChange { tier: Some(Tier::Pro), disabled: Some(true) };
    let disabled = s.users.update(jane.id, disable, at(16), &audit("user.disabled")).await.unwrap().unwrap();
    assert_eq!(disabled, User { disabled: true, updated_at: at(16), ..expected });
    assert_eq!(s.users.get(jane.id).await.unwrap(), Some(disabled));
    let actions: Vec<String> = s.audit_entries().await.into_iter().map(|entry| entry.action).collect();
    assert_eq!(actions.iter().filter(|action| action.starts_with("user.")).count(), 3);
    assert!(actions.contains(&"user.disabled".to_owned()));

    assert_eq!(s.users.update(UserId::new(), change, at(16), &audit("user.ghost")).await.unwrap(), None);
    assert_eq!(s.audit_entries().await.len(), 3);
}

fn token(random: &str) -> RefreshToken {
    RefreshToken::from_random(random)
}

/// A record of `token` for `user_id` in `family`, expiring on `day`.
fn record(token: &RefreshToken, user_id: UserId, family: SignInId, day: u32) -> RefreshRecord {
    RefreshRecord { hash: token.hash(), user_id, family, expires_at: at(day) }
}

/// The stored family of the token with this hash, if it is stored.
async fn family_of(s: &Stores, hash: &KeyHash) -> Vec<String> {
    s.db.text_column(&format!("refresh_tokens WHERE hash = '{}'", hash.as_ref()), "family").await.unwrap()
}

async fn a_live_token_rotates_into_its_family_and_a_replay_revokes_the_family(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 10).await;
    let family = SignInId::new();
    let (first, second, third) = (token("first"), token("second"), token("third"));
    s.sessions.insert(&record(&first, jane.id, family, 20), at(13)).await.unwrap();

    let next = record(&second, jane.id, SignInId::new(), 21);
    assert_eq!(s.sessions.rotate(&first.hash(), &next, at(14)).await.unwrap(), Rotation::Rotated(jane.id));
    assert_eq!(family_of(&s, &second.hash()).await, [family.to_string()], "the next token joins the family");

    let replay = record(&third, jane.id, SignInId::new(), 21);
    assert_eq!(s.sessions.rotate(&first.hash(), &replay, at(15)).await.unwrap(), Rotation::Reused(jane.id));
    assert!(family_of(&s, &third.hash()).await.is_empty(), "a replay stores no token");
    assert_eq!(s.rows("refresh_tokens WHERE revoked = FALSE").await, 0);
    let after = record(&third, jane.id, family, 21);
    assert_eq!(s.sessions.rotate(&second.hash(), &after, at(15)).await.unwrap(), Rotation::Invalid);
    assert_eq!(s.rows("refresh_tokens").await, 2);
}

async fn expired_unknown_and_revoked_tokens_do_not_rotate(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 10).await;
    let (old, live, next) = (token("old"), token("live"), token("next"));
    s.sessions.insert(&record(&old, jane.id, SignInId::new(), 14), at(13)).await.unwrap();
    s.sessions.insert(&record(&live, jane.id, SignInId::new(), 20), at(13)).await.unwrap();
    let successor = record(&next, jane.id, SignInId::new(), 21);

    assert_eq!(s.sessions.rotate(&old.hash(), &successor, at(14)).await.unwrap(), Rotation::Invalid, "expired");
    assert_eq!(s.sessions.rotate(&token("nope").hash(), &successor, at(13)).await.unwrap(), Rotation::Invalid);
    assert!(s.sessions.revoke(&live.hash()).await.unwrap());
    assert!(!s.sessions.revoke(&live.hash()).await.unwrap(), "already revoked");
    assert!(!s.sessions.revoke(&token("nope").hash()).await.unwrap());
    assert_eq!(s.sessions.rotate(&live.hash(), &successor, at(13)).await.unwrap(), Rotation::Invalid, "revoked");
    assert_eq!(s.rows("refresh_tokens").await, 2, "no successor was stored");
}

async fn revoking_a_token_revokes_its_whole_family(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 10).await;
    let (first, second, other) = (token("first"), token("second"), token("other"));
    let family = SignInId::new();
    s.sessions.insert(&record(&first, jane.id, family, 20), at(13)).await.unwrap();
    s.sessions.insert(&record(&other, jane.id, SignInId::new(), 20), at(13)).await.unwrap();
    let rotated = s.sessions.rotate(&first.hash(), &record(&second, jane.id, family, 20), at(13)).await.unwrap();
    assert_eq!(rotated, Rotation::Rotated(jane.id));

    assert!(s.sessions.revoke(&second.hash()).await.unwrap(), "signing out");
    let later = record(&token("later"), jane.id, family, 21);
    assert_eq!(s.sessions.rotate(&second.hash(), &later, at(14)).await.unwrap(), Rotation::Invalid);
    assert_eq!(s.rows("refresh_tokens WHERE revoked = TRUE").await, 2);
    let elsewhere = s.sessions.rotate(&other.hash(), &later, at(14)).await.unwrap();
    assert_eq!(elsewhere, Rotation::Rotated(jane.id), "another sign-in's family stays live");
}

async fn concurrent_rotations_of_one_token_rotate_it_once(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 10).await;
    let presented = token("presented");
    s.sessions.insert(&record(&presented, jane.id, SignInId::new(), 20), at(13)).await.unwrap();
    let attempts = (0..4).map(|n| {
        let sessions = s.sessions.clone();
        let (hash, next) = (presented.hash(), record(&token(&format!("next{n}")), jane.id, SignInId::new(), 21));
        tokio::spawn(async move { sessions.rotate(&hash, &next, at(13)).await.unwrap() })
    });
    let outcomes: Vec<Rotation> =
        futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    let rotated = outcomes.iter().filter(|outcome| **outcome == Rotation::Rotated(jane.id)).count();
    assert_eq!(rotated, 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| matches!(o, Rotation::Rotated(_) | Rotation::Reused(_))), "{outcomes:?}");
    assert_eq!(s.rows("refresh_tokens").await, 2, "one successor was stored");
}

async fn conversations_are_listed_most_recent_first_with_their_message_counts(backend: Backend) {
    let s = stores(backend).await;
    let owner = AccountId::from(UserId::new());
    let older = s.conversation(owner, "Older", 12, &[(Speaker::User, "hi"), (Speaker::Assistant, "hello")]).await;
    let newer = s.conversation(owner, "Newer", 14, &[(Speaker::User, "one")]).await;
    let empty = s.conversation(owner, "Empty", 13, &[]).await;
    s.conversation(AccountId::from(UserId::new()), "Someone else", 15, &[(Speaker::User, "x")]).await;

    let listed = s.conversations.list(owner).await.unwrap();
    let summary: Vec<_> = listed.iter().map(|c| (c.id, c.title.as_str(), c.messages)).collect();
    assert_eq!(summary, [(newer, "Newer", 1), (empty, "Empty", 0), (older, "Older", 2)]);
    assert!(listed.iter().all(|c| c.owner == owner && c.agent.as_deref() == Some("assistant")));
    assert_eq!((listed[0].created_at, listed[0].updated_at), (at(1), at(14)));
}

async fn a_conversation_is_read_with_its_messages_in_order_and_renamed(backend: Backend) {
    let s = stores(backend).await;
    let owner = AccountId::from(UserId::new());
    let turns = [(Speaker::User, "first"), (Speaker::Assistant, "second"), (Speaker::User, "third")];
    let id = s.conversation(owner, "Chat", 12, &turns).await;

    let (conversation, messages) = s.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((conversation.id, conversation.title.as_str(), conversation.messages), (id, "Chat", 3));
    let read: Vec<_> = messages.iter().map(|m| (m.speaker, m.content.as_str(), m.at)).collect();
    assert_eq!(read, turns.map(|(speaker, content)| (speaker, content, at(12))));
    assert_eq!(s.conversations.get(owner, ConversationId::new()).await.unwrap(), None);

    assert!(s.conversations.rename(owner, id, "Pricing discussion", at(16)).await.unwrap());
    let (renamed, _) = s.conversations.get(owner, id).await.unwrap().unwrap();
    assert_eq!((renamed.title.as_str(), renamed.updated_at), ("Pricing discussion", at(16)));
    assert!(!s.conversations.rename(owner, ConversationId::new(), "Nothing", at(16)).await.unwrap());
}

async fn an_owner_cannot_reach_another_owners_conversations(backend: Backend) {
    let s = stores(backend).await;
    let (alice, bob) = (AccountId::from(UserId::new()), AccountId::from(UserId::new()));
    let id = s.conversation(alice, "Private", 12, &[(Speaker::User, "secret")]).await;

    assert!(s.conversations.list(bob).await.unwrap().is_empty());
    assert_eq!(s.conversations.get(bob, id).await.unwrap(), None);
    assert!(!s.conversations.rename(bob, id, "Mine now", at(16)).await.unwrap());
    assert!(!s.conversations.delete(bob, id).await.unwrap());

    let (conversation, messages) = s.conversations.get(alice, id).await.unwrap().unwrap();
    assert_eq!((conversation.title.as_str(), conversation.updated_at, messages.len()), ("Private", at(12), 1));
}

async fn deleting_a_conversation_deletes_its_messages(backend: Backend) {
    let s = stores(backend).await;
    let owner = AccountId::from(UserId::new());
    let gone = s.conversation(owner, "Gone", 12, &[(Speaker::User, "a"), (Speaker::Assistant, "b")]).await;
    let kept = s.conversation(owner, "Kept", 13, &[(Speaker::User, "c")]).await;

    assert!(s.conversations.delete(owner, gone).await.unwrap());
    assert!(!s.conversations.delete(owner, gone).await.unwrap(), "already deleted");
    assert_eq!(s.conversations.get(owner, gone).await.unwrap(), None);
    assert_eq!(s.rows("messages").await, 1);
    assert_eq!(s.rows(&format!("messages WHERE conversation_id = '{kept}'")).await, 1);
    let listed: Vec<_> = s.conversations.list(owner).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(listed, [kept]);
}

fn memory(user_id: UserId, kind: MemoryKind, content: &str, day: u32) -> Memory {
    Memory { id: MemoryId::new(), user_id, kind, content: content.into(), source: None, created_at: at(day) }
}

async fn memories_are_kept_once_listed_oldest_first_and_deleted_per_user(backend: Backend) {
    let s = stores(backend).await;
    let (jane, john) = (s.signed_up("jane@example.com", 10).await, s.signed_up("john@example.com", 10).await);
    let source = Some(ConversationId::new());
    let metric = Memory { source, ..memory(jane.id, MemoryKind::Preference, "Prefers metric units", 13) };
    let berlin = memory(jane.id, MemoryKind::Fact, "Lives in Berlin", 12);
    s.memories.add(&[metric.clone(), berlin.clone()]).await.unwrap();
    let again = memory(jane.id, MemoryKind::Preference, "Prefers metric units", 14);
    let as_fact = memory(jane.id, MemoryKind::Fact, "Prefers metric units", 14);
    let johns = memory(john.id, MemoryKind::Fact, "Lives in Berlin", 14);
    s.memories.add(&[again, as_fact.clone(), johns.clone()]).await.unwrap();

    assert_eq!(s.memories.list(jane.id).await.unwrap(), [berlin.clone(), metric, as_fact]);
    assert_eq!(s.memories.list(john.id).await.unwrap(), std::slice::from_ref(&johns));

    assert!(!s.memories.delete(john.id, berlin.id).await.unwrap(), "not john's");
    assert!(s.memories.delete(jane.id, berlin.id).await.unwrap());
    assert!(!s.memories.delete(jane.id, berlin.id).await.unwrap(), "already deleted");
    assert_eq!(s.memories.list(jane.id).await.unwrap().len(), 2);
    assert_eq!(s.memories.list(john.id).await.unwrap(), [johns]);
    s.memories.add(&[]).await.unwrap();
}

fn config(model: &str) -> AgentConfig {
    AgentConfig::from_json(json!({"model": model, "tools": ["calculator"], "depth": 2}).as_object().cloned().unwrap())
        .unwrap()
}

fn user_agent(user_id: UserId, name: &str, agent_type: Option<&str>) -> UserAgent {
    UserAgent {
        user_id,
        name: AgentName::parse(name).unwrap(),
        agent_type: agent_type.map(|t| AgentType::parse(t).unwrap()),
        config: config("fast"),
        created_at: at(13),
        updated_at: at(13),
    }
}

async fn user_agents_are_unique_per_user_and_invisible_to_others(backend: Backend) {
    let s = stores(backend).await;
    let (jane, john) = (s.signed_up("jane@example.com", 10).await, s.signed_up("john@example.com", 10).await);
    let helper = user_agent(jane.id, "helper", Some("assistant"));
    let analyst = user_agent(jane.id, "analyst", None);
    s.agents.insert(&helper, &audit("user_agent.created")).await.unwrap();
    s.agents.insert(&analyst, &audit("user_agent.created")).await.unwrap();
    let err = s.agents.insert(&user_agent(jane.id, "helper", None), &audit("user_agent.created")).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(Conflict::AgentName)), "{err:?}");
    let johns = user_agent(john.id, "helper", None);
    s.agents.insert(&johns, &audit("user_agent.created")).await.unwrap();

    assert_eq!(s.agents.list(jane.id).await.unwrap(), [analyst, helper.clone()]);
    assert_eq!(s.agents.list(john.id).await.unwrap(), std::slice::from_ref(&johns));
    assert_eq!(s.agents.find(jane.id, &helper.name).await.unwrap(), Some(helper.clone()));
    assert_eq!(s.agents.find(john.id, &helper.name).await.unwrap(), Some(johns));
    assert_eq!(s.agents.find(UserId::new(), &helper.name).await.unwrap(), None);

    let changed = UserAgent { config: config("smart"), agent_type: None, updated_at: at(15), ..helper.clone() };
    assert!(s.agents.update(&changed, &audit("user_agent.updated")).await.unwrap());
    assert_eq!(s.agents.find(jane.id, &helper.name).await.unwrap(), Some(changed));
    assert_eq!(s.agents.find(john.id, &helper.name).await.unwrap().unwrap().config, config("fast"));
    assert!(s.agents.delete(jane.id, &helper.name, &audit("user_agent.deleted")).await.unwrap());
    assert_eq!(s.agents.list(john.id).await.unwrap().len(), 1, "john's agent of the same name stays");
}

async fn user_agent_changes_write_their_audit_entries_only_when_they_happen(backend: Backend) {
    let s = stores(backend).await;
    let jane = s.signed_up("jane@example.com", 10).await;
    let before = s.audit_entries().await.len();
    let ghost = user_agent(jane.id, "ghost", None);
    assert!(!s.agents.update(&ghost, &audit("user_agent.updated")).await.unwrap());
    assert!(!s.agents.delete(jane.id, &ghost.name, &audit("user_agent.deleted")).await.unwrap());
    let strangers = user_agent(UserId::new(), "ghost", None);
    assert!(s.agents.insert(&strangers, &audit("user_agent.created")).await.is_err(), "no such user");
    assert_eq!(s.audit_entries().await.len(), before);

    s.agents.insert(&ghost, &audit("user_agent.created")).await.unwrap();
    assert!(s.agents.update(&ghost, &audit("user_agent.updated")).await.unwrap());
    assert!(s.agents.delete(jane.id, &ghost.name, &audit("user_agent.deleted")).await.unwrap());
    let mut actions: Vec<String> = s.audit_entries().await.into_iter().map(|entry| entry.action).collect();
    actions.retain(|action| action.starts_with("user_agent."));
    actions.sort();
    assert_eq!(actions, ["user_agent.created", "user_agent.deleted", "user_agent.updated"]);
}
