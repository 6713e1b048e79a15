//! `ares-server rotate-encryption-key`: every stored provider API key sealed again with the new key, in one go,
//! or nothing changed.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use ares_application::ports::ProviderRepository;
use ares_domain::{
    Credential, NetworkConfig, Provider, ProviderKind, ProviderLimits, ProviderName, ProviderSecret, ProviderSource,
};
use ares_store::testing::TestDb;
use ares_store::{Backend, Cipher, ProviderStore};

const OLD: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const NEW: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ares.toml");

fn rotate(db: &TestDb, keys: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ares-server"))
        .args(["rotate-encryption-key", "--config", CONFIG])
        .env_clear()
        .envs([("DATABASE_URL", db.url()), ("JWT_SECRET", "0123456789abcdef0123456789abcdef"), ("API_KEY", "admin")])
        .envs(keys.iter().copied())
        .output()
        .unwrap()
}

fn provider() -> Provider {
    let now = chrono::Utc::now();
    Provider {
        name: ProviderName::parse("vllm").unwrap(),
        kind: ProviderKind::OpenAi,
        base_url: Some("http://127.0.0.1:9/v1".into()),
        credential: Credential::Stored(ProviderSecret::new("sk-live-secret")),
        models: vec![],
        limits: ProviderLimits::default(),
        network: NetworkConfig {
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
            max_retries: 0,
            max_idle_per_host: 1,
            idle_timeout: Duration::from_secs(1),
        },
        enabled: true,
        source: ProviderSource::Api,
        discovered_models: vec![],
        models_refreshed_at: None,
        created_at: now,
        updated_at: now,
    }
}

fn store(db: ares_store::Db, key: &str) -> ProviderStore {
    ProviderStore::new(db, Some(Arc::new(Cipher::from_base64(key).unwrap())))
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_seals_every_stored_key_with_the_new_key() {
    let db = TestDb::new(Backend::Sqlite).await;
    let audit = ares_domain::AuditEntry::new(&ares_domain::Actor::Admin, "provider.created", chrono::Utc::now());
    store(db.connect().await, OLD).insert(&provider(), &audit).await.unwrap();

    let refused = rotate(&db, &[("ARES_ENCRYPTION_KEY", OLD)]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("ARES_NEW_ENCRYPTION_KEY must be set"), "{stderr}");

    let wrong = rotate(&db, &[("ARES_ENCRYPTION_KEY", NEW), ("ARES_NEW_ENCRYPTION_KEY", NEW)]);
    assert!(!wrong.status.success(), "a current key that opens nothing changes nothing");
    assert!(store(db.connect().await, OLD).list().await.is_ok(), "still sealed with the old key");

    let done = rotate(&db, &[("ARES_ENCRYPTION_KEY", OLD), ("ARES_NEW_ENCRYPTION_KEY", NEW)]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).starts_with("sealed 1 stored provider API keys"));
    let renewed = store(db.connect().await, NEW).list().await.unwrap();
    assert_eq!(renewed[0].credential, provider().credential);
    assert!(store(db.connect().await, OLD).list().await.is_err(), "the old key opens nothing any more");
}
