//! Tests of accounts: registration, sign-in and its throttling, refresh-token rotation, sign-out, and access tokens.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ares_domain::{
    AuditEntry, Email, InvalidUser, Payer, RawApiKey, RefreshRecord, RefreshToken, Tier, User, UserId, UserName,
};
use chrono::{DateTime, TimeZone, Utc};

use super::{AccountError, AccountPolicy, AccountPorts, Accounts, Registration, ThrottlePolicy};
use crate::ports::{
    AccessClaims, Conflict, MockClock, MockKeyGenerator, MockPasswordHasher, MockSessionRepository, MockTokenIssuer,
    MockUserRepository, RepoError, Rotation,
};
use crate::usecases::caller::Via;

const WINDOW: Duration = Duration::from_secs(10 * 60);
const SESSION_CACHE: Duration = Duration::from_secs(60);
const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
const LIFETIME_SECS: u64 = 900;

const POLICY: AccountPolicy = AccountPolicy {
    // Not the cheapest tier, so that a test sees the policy's tier rather than a default.
    user_tier: Tier::Dev,
    refresh_lifetime: REFRESH_LIFETIME,
    session_cache: SESSION_CACHE,
    throttle: ThrottlePolicy { per_account: 3, per_address: 5, window: WINDOW },
};

const EMAIL: &str = "jane@example.com";
const RIGHT: &str = "correct horse battery";
const HASH: &str = "$2b$12$stored-hash";

/// A clock the tests move.
#[derive(Clone)]
struct Now(Arc<Mutex<DateTime<Utc>>>);

impl Now {
    fn new() -> Self {
        Now(Arc::new(Mutex::new(Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap())))
    }

    fn get(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += chrono::Duration::from_std(by).unwrap();
    }

    fn mock(&self) -> MockClock {
        let now = self.0.clone();
        let mut clock = MockClock::new();
        clock.expect_now().returning(move || *now.lock().unwrap());
        clock
    }
}

/// The ports a test sets expectations on; the key generator and the clock are always the same.
struct Mocks {
    users: MockUserRepository,
    sessions: MockSessionRepository,
    hasher: MockPasswordHasher,
    tokens: MockTokenIssuer,
}

impl Mocks {
    fn new() -> Self {
        Mocks {
            users: MockUserRepository::new(),
            sessions: MockSessionRepository::new(),
            hasher: MockPasswordHasher::new(),
            tokens: MockTokenIssuer::new(),
        }
    }

    /// Access tokens name their user; refresh tokens are stored.
    fn issuing(mut self) -> Self {
        self.tokens.expect_issue().returning(|user_id, _| Ok(format!("access-for-{user_id}")));
        self.tokens.expect_lifetime_secs().return_const(LIFETIME_SECS);
        self
    }

    /// `RIGHT` matches `HASH`; anything else (no hash among it) does not.
    fn checking_passwords(mut self) -> Self {
        self.hasher.expect_verify().returning(|password, hash| password == RIGHT && hash.as_deref() == Some(HASH));
        self
    }

    fn build(self, now: &Now) -> Accounts {
        // Distinct keys, as a real generator gives.
        let counter = AtomicU64::new(0);
        let mut random = MockKeyGenerator::new();
        random.expect_generate().returning(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            RawApiKey::from_random(&format!("{n:040}")).unwrap()
        });
        let ports = AccountPorts {
            users: Arc::new(self.users),
            sessions: Arc::new(self.sessions),
            hasher: Arc::new(self.hasher),
            tokens: Arc::new(self.tokens),
            random: Arc::new(random),
            clock: Arc::new(now.mock()),
        };
        Accounts::new(ports, POLICY)
    }
}

fn user(email: &str) -> User {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    User {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        name: UserName::parse("Jane").unwrap(),
        password_hash: HASH.into(),
        tier: Tier::Pro,
        disabled: false,
        created_at: at,
        updated_at: at,
    }
}

fn disabled(mut user: User) -> User {
    user.disabled = true;
    user
}

fn registration(email: &str, password: &str, name: &str) -> Registration {
    Registration { email: email.into(), password: password.into(), name: name.into() }
}

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, last)))
}

/// Whatever was handed to a mock, to look at after the call.
fn captured<T>() -> Arc<Mutex<Vec<T>>> {
    Arc::new(Mutex::new(Vec::new()))
}

fn retry_after(result: Result<impl std::fmt::Debug, AccountError>) -> Duration {
    match result {
        Err(AccountError::Throttled { retry_after }) => retry_after,
        other => panic!("expected Throttled, got {other:?}"),
    }
}

// --- register ---

#[tokio::test]
async fn register_stores_the_user_under_the_policy_tier_with_the_hash_and_an_audit_entry() {
    let now = Now::new();
    let mut mocks = Mocks::new();
    mocks.hasher.expect_hash().withf(|password| password == RIGHT).times(1).returning(|_| Ok(HASH.into()));
    let stored: Arc<Mutex<Vec<(User, AuditEntry)>>> = captured();
    let sink = stored.clone();
    mocks.users.expect_insert().times(1).returning(move |user, audit| {
        sink.lock().unwrap().push((user.clone(), audit.clone()));
        Ok(())
    });
    let accounts = mocks.build(&now);

    let registered = accounts.register(registration("  Jane.Doe@Example.COM ", RIGHT, " Jane Doe ")).await.unwrap();

    let stored = stored.lock().unwrap();
    let (user, audit) = &stored[0];
    assert_eq!(*user, registered, "the user returned is the user stored");
    assert_eq!(user.email.as_ref(), "jane.doe@example.com");
    assert_eq!(user.name.as_ref(), "Jane Doe");
    assert_eq!(user.tier, POLICY.user_tier);
    assert_eq!(user.password_hash, HASH);
    assert_ne!(user.password_hash, RIGHT, "the clear password is never stored");
    assert!(!user.disabled);
    assert_eq!((user.created_at, user.updated_at), (now.get(), now.get()));
    assert_eq!(audit.action, "user.registered");
    assert_eq!(audit.actor, user.id.to_string(), "the new user registered themselves");
    assert_eq!(audit.target.as_deref(), Some(format!("user:{}", user.id).as_str()));
    assert_eq!(audit.details["tier"], "dev");
    assert_eq!(audit.at, now.get());
}

#[tokio::test]
async fn register_refuses_invalid_details_and_stores_nothing() {
    let too_long = "x".repeat(129);
    let cases = [
        (registration("not-an-email", RIGHT, "Jane"), InvalidUser::Email("not-an-email".into())),
        (registration(EMAIL, "1234567", "Jane"), InvalidUser::PasswordTooShort),
        (registration(EMAIL, &too_long, "Jane"), InvalidUser::PasswordTooLong),
        (registration(EMAIL, RIGHT, "   "), InvalidUser::Name),
    ];
    for (details, expected) in cases {
        let mut mocks = Mocks::new();
        mocks.hasher.expect_hash().times(0);
        mocks.users.expect_insert().times(0);
        let accounts = mocks.build(&Now::new());
        match accounts.register(details.clone()).await {
            Err(AccountError::Invalid(got)) => assert_eq!(got, expected, "{details:?}"),
            other => panic!("{details:?}: expected Invalid({expected:?}), got {other:?}"),
        }
    }
}

#[tokio::test]
async fn register_with_a_taken_email_is_email_taken() {
    let mut mocks = Mocks::new();
    mocks.hasher.expect_hash().returning(|_| Ok(HASH.into()));
    mocks.users.expect_insert().times(1).returning(|_, _| Err(RepoError::Conflict(Conflict::Email)));
    let accounts = mocks.build(&Now::new());
    let result = accounts.register(registration(EMAIL, RIGHT, "Jane")).await;
    assert!(matches!(result, Err(AccountError::EmailTaken)), "{result:?}");
}

// --- login ---

#[tokio::test]
async fn login_with_the_right_password_hands_out_tokens_and_stores_the_refresh_token_hash() {
    let now = Now::new();
    let jane = user(EMAIL);
    let id = jane.id;
    let mut mocks = Mocks::new().checking_passwords();
    mocks
        .users
        .expect_by_email()
        .withf(|email| email.as_ref() == EMAIL)
        .times(1)
        .returning(move |_| Ok(Some(jane.clone())));
    let records: Arc<Mutex<Vec<RefreshRecord>>> = captured();
    let sink = records.clone();
    mocks.sessions.expect_insert().times(1).returning(move |record, _| {
        sink.lock().unwrap().push(record.clone());
        Ok(())
    });
    mocks
        .tokens
        .expect_issue()
        .withf(move |user_id, _| *user_id == id)
        .times(1)
        .returning(|_, _| Ok("access.jwt".into()));
    mocks.tokens.expect_lifetime_secs().return_const(LIFETIME_SECS);
    let accounts = mocks.build(&now);

    let tokens = accounts.login(" Jane@Example.com", RIGHT, ip(1)).await.unwrap();

    assert_eq!(tokens.access_token, "access.jwt");
    assert_eq!(tokens.expires_in, LIFETIME_SECS);
    assert!(tokens.refresh_token.expose().starts_with("rt_"), "{}", tokens.refresh_token.expose());
    let records = records.lock().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].hash, tokens.refresh_token.hash(), "the store holds the hash of the token handed out");
    assert_ne!(records[0].hash.as_ref(), tokens.refresh_token.expose(), "never the token in clear");
    assert_eq!(records[0].user_id, id);
    assert_eq!(records[0].expires_at, now.get() + chrono::Duration::from_std(REFRESH_LIFETIME).unwrap());
}

#[tokio::test]
async fn login_with_an_unknown_email_still_checks_a_password() {
    let mut mocks = Mocks::new();
    mocks.users.expect_by_email().times(1).returning(|_| Ok(None));
    // Timing parity: the hasher does its work even without a hash.
    mocks.hasher.expect_verify().withf(|_, hash| hash.is_none()).times(1).return_const(false);
    mocks.sessions.expect_insert().times(0);
    let accounts = mocks.build(&Now::new());
    let result = accounts.login("nobody@example.com", RIGHT, ip(1)).await;
    assert!(matches!(result, Err(AccountError::InvalidCredentials)), "{result:?}");
}

#[tokio::test]
async fn login_with_a_wrong_password_is_refused_like_an_unknown_email() {
    let jane = user(EMAIL);
    let mut mocks = Mocks::new().checking_passwords();
    mocks.users.expect_by_email().returning(move |email| Ok((email.as_ref() == EMAIL).then(|| jane.clone())));
    mocks.sessions.expect_insert().times(0);
    let accounts = mocks.build(&Now::new());

    let wrong = accounts.login(EMAIL, "wrong password", ip(1)).await.unwrap_err();
    let unknown = accounts.login("nobody@example.com", RIGHT, ip(1)).await.unwrap_err();

    assert!(matches!(wrong, AccountError::InvalidCredentials), "{wrong:?}");
    assert!(matches!(unknown, AccountError::InvalidCredentials), "{unknown:?}");
    assert_eq!(wrong.to_string(), unknown.to_string());
}

#[tokio::test]
async fn login_of_a_disabled_user_is_disabled() {
    let mut mocks = Mocks::new().checking_passwords();
    mocks.users.expect_by_email().returning(|_| Ok(Some(disabled(user(EMAIL)))));
    mocks.sessions.expect_insert().times(0);
    mocks.tokens.expect_issue().times(0);
    let accounts = mocks.build(&Now::new());
    let result = accounts.login(EMAIL, RIGHT, ip(1)).await;
    assert!(matches!(result, Err(AccountError::Disabled)), "{result:?}");
}

#[tokio::test]
async fn login_is_throttled_per_account_until_the_window_passes() {
    let now = Now::new();
    let jane = user(EMAIL);
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = lookups.clone();
    let mut mocks = Mocks::new().checking_passwords().issuing();
    mocks.users.expect_by_email().returning(move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
        Ok(Some(jane.clone()))
    });
    mocks.sessions.expect_insert().returning(|_, _| Ok(()));
    let accounts = mocks.build(&now);

    for attempt in 0..POLICY.throttle.per_account {
        // From different addresses: only the account counts here.
        let result = accounts.login(EMAIL, "wrong password", ip(u8::try_from(attempt).unwrap())).await;
        assert!(matches!(result, Err(AccountError::InvalidCredentials)), "attempt {attempt}: {result:?}");
    }
    assert_eq!(lookups.load(Ordering::SeqCst), 3);

    // Even the right password, however the email is written, from another address.
    let wait = retry_after(accounts.login(" JANE@example.com", RIGHT, ip(100)).await);
    assert!(Duration::from_secs(1) <= wait && wait <= WINDOW, "{wait:?}");
    assert_eq!(lookups.load(Ordering::SeqCst), 3, "a throttled attempt does not reach the repository");

    now.advance(Duration::from_secs(4 * 60));
    let wait = retry_after(accounts.login(EMAIL, RIGHT, None).await);
    assert!(Duration::from_secs(1) <= wait && wait <= WINDOW - Duration::from_secs(4 * 60), "{wait:?}");

    now.advance(WINDOW);
    let tokens = accounts.login(EMAIL, RIGHT, None).await.unwrap();
    assert!(tokens.refresh_token.expose().starts_with("rt_"));
    assert_eq!(lookups.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn login_is_throttled_per_address_across_accounts() {
    let jane = user(EMAIL);
    let mut mocks = Mocks::new().checking_passwords().issuing();
    mocks.users.expect_by_email().returning(move |email| Ok((email.as_ref() == EMAIL).then(|| jane.clone())));
    mocks.sessions.expect_insert().returning(|_, _| Ok(()));
    let accounts = mocks.build(&Now::new());

    // One failure per email: no account reaches its own limit.
    for n in 0..POLICY.throttle.per_address {
        let result = accounts.login(&format!("guess{n}@example.com"), "guess", ip(7)).await;
        assert!(matches!(result, Err(AccountError::InvalidCredentials)), "attempt {n}: {result:?}");
    }

    let wait = retry_after(accounts.login(EMAIL, RIGHT, ip(7)).await);
    assert!(Duration::from_secs(1) <= wait && wait <= WINDOW, "{wait:?}");
    assert!(accounts.login(EMAIL, RIGHT, ip(8)).await.is_ok(), "another address is not throttled");
    assert!(accounts.login(EMAIL, RIGHT, None).await.is_ok(), "nor is a sign-in without an address");
}

#[tokio::test]
async fn a_successful_login_clears_the_accounts_failures() {
    let jane = user(EMAIL);
    let mut mocks = Mocks::new().checking_passwords().issuing();
    mocks.users.expect_by_email().returning(move |_| Ok(Some(jane.clone())));
    mocks.sessions.expect_insert().returning(|_, _| Ok(()));
    let accounts = mocks.build(&Now::new());

    let below_limit = POLICY.throttle.per_account - 1;
    for _ in 0..below_limit {
        assert!(matches!(accounts.login(EMAIL, "wrong", None).await, Err(AccountError::InvalidCredentials)));
    }
    accounts.login(EMAIL, RIGHT, None).await.unwrap();
    // Without the reset these would reach the limit, and the last attempt would be throttled.
    for _ in 0..below_limit {
        let result = accounts.login(EMAIL, "wrong", None).await;
        assert!(matches!(result, Err(AccountError::InvalidCredentials)), "{result:?}");
    }
    accounts.login(EMAIL, RIGHT, None).await.unwrap();
}

// --- refresh ---

/// Sessions that capture the `next` record `rotate` is given, and answer `rotation`.
fn rotating(mocks: &mut Mocks, presented: &str, rotation: Rotation) -> Arc<Mutex<Vec<RefreshRecord>>> {
    let expected = RefreshToken::hash_of(presented);
    let records: Arc<Mutex<Vec<RefreshRecord>>> = captured();
    let sink = records.clone();
    mocks.sessions.expect_rotate().withf(move |hash, _, _| *hash == expected).times(1).returning(move |_, next, _| {
        sink.lock().unwrap().push(next.clone());
        Ok(rotation.clone())
    });
    records
}

#[tokio::test]
async fn refresh_rotates_the_presented_token_into_a_new_one() {
    let now = Now::new();
    let jane = user(EMAIL);
    let id = jane.id;
    let presented = "rt_presented0000000000000000000000000000";
    let mut mocks = Mocks::new().issuing();
    let records = rotating(&mut mocks, presented, Rotation::Rotated(id));
    mocks.users.expect_get().withf(move |got| *got == id).returning(move |_| Ok(Some(jane.clone())));
    mocks.sessions.expect_revoke().times(0);
    let accounts = mocks.build(&now);

    let tokens = accounts.refresh(presented).await.unwrap();

    assert_eq!(tokens.access_token, format!("access-for-{id}"));
    assert_eq!(tokens.expires_in, LIFETIME_SECS);
    assert!(tokens.refresh_token.expose().starts_with("rt_"));
    assert_ne!(tokens.refresh_token.expose(), presented);
    let records = records.lock().unwrap();
    assert_eq!(records[0].hash, tokens.refresh_token.hash(), "the token handed out is the one stored as next");
    assert_eq!(records[0].expires_at, now.get() + chrono::Duration::from_std(REFRESH_LIFETIME).unwrap());
}

#[tokio::test]
async fn refresh_with_a_spent_token_is_token_reused() {
    let presented = "rt_spent";
    let mut mocks = Mocks::new();
    rotating(&mut mocks, presented, Rotation::Reused(UserId::new()));
    mocks.tokens.expect_issue().times(0);
    let accounts = mocks.build(&Now::new());
    let result = accounts.refresh(presented).await;
    assert!(matches!(result, Err(AccountError::TokenReused)), "{result:?}");
}

#[tokio::test]
async fn refresh_with_an_unknown_token_is_invalid() {
    let presented = "rt_unknown";
    let mut mocks = Mocks::new();
    rotating(&mut mocks, presented, Rotation::Invalid);
    mocks.tokens.expect_issue().times(0);
    let accounts = mocks.build(&Now::new());
    let result = accounts.refresh(presented).await;
    assert!(matches!(result, Err(AccountError::InvalidToken)), "{result:?}");
}

#[tokio::test]
async fn refresh_for_a_disabled_user_is_disabled_and_revokes_the_new_token() {
    let jane = disabled(user(EMAIL));
    let presented = "rt_live";
    let mut mocks = Mocks::new();
    let records = rotating(&mut mocks, presented, Rotation::Rotated(jane.id));
    mocks.users.expect_get().returning(move |_| Ok(Some(jane.clone())));
    let revoked = captured();
    let sink = revoked.clone();
    mocks.sessions.expect_revoke().returning(move |hash| {
        sink.lock().unwrap().push(hash.clone());
        Ok(true)
    });
    mocks.tokens.expect_issue().times(0);
    let accounts = mocks.build(&Now::new());

    let result = accounts.refresh(presented).await;

    assert!(matches!(result, Err(AccountError::Disabled)), "{result:?}");
    assert_eq!(*revoked.lock().unwrap(), vec![records.lock().unwrap()[0].hash.clone()]);
}

// --- logout ---

#[tokio::test]
async fn logout_revokes_the_presented_token() {
    let presented = "rt_live";
    let expected = RefreshToken::hash_of(presented);
    let mut mocks = Mocks::new();
    mocks.sessions.expect_revoke().withf(move |hash| *hash == expected).times(1).returning(|_| Ok(true));
    let accounts = mocks.build(&Now::new());
    accounts.logout(presented).await.unwrap();
}

#[tokio::test]
async fn logout_with_a_token_that_is_not_live_is_invalid() {
    let mut mocks = Mocks::new();
    mocks.sessions.expect_revoke().times(1).returning(|_| Ok(false));
    let accounts = mocks.build(&Now::new());
    let result = accounts.logout("rt_gone").await;
    assert!(matches!(result, Err(AccountError::InvalidToken)), "{result:?}");
}

// --- authenticate ---

/// An issuer that accepts `"token"` for `user_id`, and nothing else.
fn verifying(mocks: &mut Mocks, user_id: UserId) {
    mocks.tokens.expect_verify().returning(move |token, now| {
        (token == "token").then(|| AccessClaims { user_id, expires_at: now + chrono::Duration::minutes(15) })
    });
}

#[tokio::test]
async fn authenticate_refuses_a_token_the_issuer_does_not_verify() {
    let mut mocks = Mocks::new();
    verifying(&mut mocks, UserId::new());
    mocks.users.expect_get().times(0);
    let accounts = mocks.build(&Now::new());
    let result = accounts.authenticate("forged").await;
    assert!(matches!(result, Err(AccountError::InvalidToken)), "{result:?}");
}

#[tokio::test]
async fn authenticate_refuses_a_token_of_a_user_that_does_not_exist() {
    let mut mocks = Mocks::new();
    verifying(&mut mocks, UserId::new());
    mocks.users.expect_get().times(1).returning(|_| Ok(None));
    let accounts = mocks.build(&Now::new());
    let result = accounts.authenticate("token").await;
    assert!(matches!(result, Err(AccountError::InvalidToken)), "{result:?}");
}

#[tokio::test]
async fn authenticate_refuses_a_disabled_user() {
    let jane = disabled(user(EMAIL));
    let mut mocks = Mocks::new();
    verifying(&mut mocks, jane.id);
    mocks.users.expect_get().returning(move |_| Ok(Some(jane.clone())));
    let accounts = mocks.build(&Now::new());
    let result = accounts.authenticate("token").await;
    assert!(matches!(result, Err(AccountError::Disabled)), "{result:?}");
}

#[tokio::test]
async fn authenticate_gives_the_user_as_caller_under_their_tier() {
    let jane = user(EMAIL);
    let id = jane.id;
    let mut mocks = Mocks::new();
    verifying(&mut mocks, id);
    mocks.users.expect_get().withf(move |got| *got == id).returning({
        let jane = jane.clone();
        move |_| Ok(Some(jane.clone()))
    });
    let accounts = mocks.build(&Now::new());

    let (caller, got) = accounts.authenticate("token").await.unwrap();

    assert_eq!(caller.payer, Payer::User(id));
    assert_eq!(caller.tier, Tier::Pro, "the user's own tier, not the tier new users get");
    assert_eq!(caller.via, Via::Session);
    assert_eq!(got, jane);
}

#[tokio::test]
async fn authenticate_caches_the_user_for_the_session_cache() {
    let jane = user(EMAIL);
    let mut mocks = Mocks::new();
    verifying(&mut mocks, jane.id);
    mocks.users.expect_get().times(1).returning(move |_| Ok(Some(jane.clone())));
    let now = Now::new();
    let accounts = mocks.build(&now);

    accounts.authenticate("token").await.unwrap();
    now.advance(SESSION_CACHE - Duration::from_secs(1));
    accounts.authenticate("token").await.unwrap();
}

#[tokio::test]
async fn authenticate_reads_the_user_again_once_forgotten_or_stale() {
    let jane = user(EMAIL);
    let id = jane.id;
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let mut mocks = Mocks::new();
    verifying(&mut mocks, id);
    // After the first read, an operator disables the user.
    mocks.users.expect_get().returning(move |_| {
        let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
        Ok(Some(if first { jane.clone() } else { disabled(jane.clone()) }))
    });
    let now = Now::new();
    let accounts = mocks.build(&now);

    accounts.authenticate("token").await.unwrap();
    accounts.authenticate("token").await.unwrap();
    assert_eq!(reads.load(Ordering::SeqCst), 1);

    accounts.forget(id);
    let result = accounts.authenticate("token").await;
    assert!(matches!(result, Err(AccountError::Disabled)), "{result:?}");
    assert_eq!(reads.load(Ordering::SeqCst), 2);

    accounts.authenticate("token").await.unwrap_err();
    assert_eq!(reads.load(Ordering::SeqCst), 2, "cached again");
    now.advance(SESSION_CACHE);
    accounts.authenticate("token").await.unwrap_err();
    assert_eq!(reads.load(Ordering::SeqCst), 3, "a stale entry is read again");
}
