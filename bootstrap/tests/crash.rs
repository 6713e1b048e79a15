//! The `ares-server` binary killed (`kill -9`) with requests in flight: their reservations are left in the
//! ledger with no request to settle them, and hold the tenant's token quota until they expire. Another instance on
//! the same database, its clock moved past the expiry, releases them: the tenant is charged nothing beyond the
//! requests it really made.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ares_application::ports::Clock;
use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_server::testing::{PROVIDER_KEYS, config_with_upstream};
use ares_server::{Application, Settings, Sources};
use ares_store::Backend;
use ares_store::testing::TestDb;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use self::support::{ADMIN_SECRET, JWT_SECRET, Server};

/// The free tier's monthly tokens in this test: three requests of `MAX_TOKENS` in flight leave too little for a
/// fourth.
const MONTHLY_TOKENS: &str = "4000";
const MAX_TOKENS: u64 = 1000;
/// What a chat the upstream never answers says.
const NEVER_ANSWERED: &str = "wait forever";
const IN_FLIGHT: usize = 3;

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_instance_leaks_no_reservation_past_its_expiry_on_postgres() {
    killed_instance_leaks_nothing(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_instance_leaks_no_reservation_past_its_expiry_on_sqlite() {
    killed_instance_leaks_nothing(Backend::Sqlite).await;
}

async fn killed_instance_leaks_nothing(backend: Backend) {
    ares_llm::install_tls_provider();
    let db = TestDb::new(backend).await;
    let upstream = upstream().await;
    let env = [("ARES__TIERS__FREE__MONTHLY_TOKENS", MONTHLY_TOKENS)];
    let mut killed = Server::start(&db, upstream.url(), &env).await;
    let (_, key) = killed.provision("free").await;
    let hanging: Vec<_> =
        (0..IN_FLIGHT).map(|_| tokio::spawn(chat(killed.base.clone(), key.clone(), NEVER_ANSWERED))).collect();
    wait_for_reservations(&db, IN_FLIGHT).await;
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    for request in hanging {
        assert_eq!(request.await.unwrap(), None, "a request in flight dies with its instance");
    }

    let clock = Arc::new(TestClock::default());
    let survivor = Survivor::start(&db, upstream.url(), &env, clock.clone()).await;
    let (status, body) = chat(survivor.base.clone(), key.clone(), "hi").await.unwrap();
    assert_eq!((status, &body["error"]), (429, &json!("Monthly token quota exceeded")), "held by the dead requests");

    clock.advance(chrono::Duration::seconds(601));
    let (status, body) = chat(survivor.base.clone(), key.clone(), "hi").await.unwrap();
    assert_eq!(status, 200, "the expired reservations were released: {body}");
    assert_eq!(db.count_rows("reservations").await.unwrap(), 0, "nothing is held any more");
    let usage: Value = reqwest::Client::new()
        .get(format!("{}/v1/usage", survivor.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(usage["total_tokens"], 12, "only the answered request's tokens are counted");
    survivor.handle.stop(true).await;
}

/// Answers chats at once, except those saying `NEVER_ANSWERED`.
async fn upstream() -> MockUpstream {
    MockUpstream::respond(|request: &Recorded| {
        if request.body["messages"][0]["content"] == NEVER_ANSWERED {
            Reply::Hang
        } else {
            Reply::json(200, &json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": "llama-3.3-70b-versatile",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
            }))
        }
    })
    .await
}

/// One chat reserving `MAX_TOKENS`: its status and body, or `None` when the connection died first.
async fn chat(base: String, key: String, content: &str) -> Option<(u16, Value)> {
    let body =
        json!({"messages": [{"role": "user", "content": content}], "model": "llama-3.3-70b", "max_tokens": MAX_TOKENS});
    let response =
        reqwest::Client::new().post(format!("{base}/v1/chat")).bearer_auth(key).json(&body).send().await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.json().await.unwrap_or(Value::Null)))
}

/// Waits until `count` reservations are held (the requests were admitted and are waiting on the upstream).
async fn wait_for_reservations(db: &TestDb, count: usize) {
    for _ in 0..600 {
        if db.count_rows("reservations").await.unwrap() == i64::try_from(count).unwrap() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{count} requests were never admitted");
}

/// The clock of the surviving instance: real time plus an offset the test moves.
#[derive(Default)]
struct TestClock {
    offset: Mutex<chrono::Duration>,
}

impl TestClock {
    fn advance(&self, by: chrono::Duration) {
        *self.offset.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap()
    }
}

/// Another instance on the same database, in this process, on `clock`.
struct Survivor {
    base: String,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

impl Survivor {
    async fn start(db: &TestDb, upstream: &str, extra: &[(&str, &str)], clock: Arc<TestClock>) -> Survivor {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("ares.toml");
        std::fs::write(&config, config_with_upstream(upstream, "")).unwrap();
        let mut env: HashMap<String, String> =
            PROVIDER_KEYS.iter().chain(extra).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        env.extend([
            ("DATABASE_URL".to_owned(), db.url().to_owned()),
            ("JWT_SECRET".to_owned(), JWT_SECRET.to_owned()),
            ("API_KEY".to_owned(), ADMIN_SECRET.to_owned()),
            ("ARES__SERVER__PORT".to_owned(), "0".to_owned()),
            ("ARES__SERVER__WORKERS".to_owned(), "1".to_owned()),
        ]);
        let settings = Settings::load(&Sources { file: Some(config), env: &env }).unwrap();
        let app = Application::build_with_clock(settings, clock).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Survivor { base, handle, _dir: dir }
    }
}
