//! The `ares-server` binary stopped by SIGTERM in the middle of a load: it exits cleanly within its shutdown
//! timeout, and the ledger then holds every answer the clients received, every request it admitted, and no
//! reservation left open.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_store::Backend;
use ares_store::testing::TestDb;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use self::support::Server;

/// Concurrent clients, each on its own keep-alive connection.
const CLIENTS: usize = 16;
/// Every this many requests of a client, one is streamed.
const STREAM_EVERY: u64 = 4;
/// `[server] shutdown_timeout` of the server under test.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the upstream waits between the pieces of an answer, so requests are in flight when the signal comes.
const UPSTREAM_PAUSE: Duration = Duration::from_millis(15);
const LOAD_BEFORE_SIGNAL: Duration = Duration::from_secs(1);
/// Beyond the shutdown timeout: the background records, the `last_used` flush and the process exit.
const EXIT_MARGIN: Duration = Duration::from_secs(3);
/// What a chat the upstream never answers says.
const NEVER_ANSWERED: &str = "wait forever";

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_16_connection_load_loses_nothing_on_postgres() {
    sigterm_during_load_loses_nothing(Backend::Postgres, 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_16_connection_load_loses_nothing_on_sqlite() {
    sigterm_during_load_loses_nothing(Backend::Sqlite, 0).await;
}

/// A request the shutdown timeout cuts off is dropped while its actix worker's runtime shuts down: its abandoned
/// (499) record must still be written (it runs on the server's runtime, and shutdown waits until every admitted
/// request is recorded), or its reservation would stay open for the month.
#[tokio::test(flavor = "multi_thread")]
async fn requests_cut_off_by_the_shutdown_timeout_are_recorded_as_abandoned_on_postgres() {
    sigterm_during_load_loses_nothing(Backend::Postgres, 2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_cut_off_by_the_shutdown_timeout_are_recorded_as_abandoned_on_sqlite() {
    sigterm_during_load_loses_nothing(Backend::Sqlite, 2).await;
}

/// SIGTERM after a second of `CLIENTS` clients chatting, while `stuck` more requests wait on an upstream that never
/// answers (so the shutdown timeout cuts them off).
async fn sigterm_during_load_loses_nothing(backend: Backend, stuck: usize) {
    ares_llm::install_tls_provider();
    let db = TestDb::new(backend).await;
    let upstream = slow_upstream().await;
    let shutdown_timeout = SHUTDOWN_TIMEOUT.as_secs().to_string();
    let env = [("ARES__SERVER__SHUTDOWN_TIMEOUT", shutdown_timeout.as_str())];
    let mut server = Server::start(&db, upstream.url(), &env).await;
    let (tenant, key) = server.provision("pro").await;
    let signalled = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> =
        (0..CLIENTS).map(|_| tokio::spawn(client(server.base.clone(), key.clone(), signalled.clone()))).collect();
    let waiting: Vec<_> = (0..stuck).map(|_| tokio::spawn(never_answered(server.base.clone(), key.clone()))).collect();
    tokio::time::sleep(LOAD_BEFORE_SIGNAL).await;
    signalled.store(true, Ordering::SeqCst);
    let (status, took) = server.terminate(SHUTDOWN_TIMEOUT + EXIT_MARGIN).await;
    assert!(status.success(), "the server exited with {status} after {took:?}:\n{}", server.log());
    let load = Load::gather(clients, waiting).await;
    let ledger = Ledger::read(&db, &tenant).await;
    println!(
        "{}: exited {took:?} after SIGTERM; clients received {} answers ({} after the signal, {} others, {} cut \
         off); the ledger holds {} events ({} answered, {} abandoned), {} admitted, {} tokens still reserved",
        backend.as_str(),
        load.received,
        load.after_signal,
        load.other,
        load.cut_off,
        ledger.events,
        ledger.answered,
        ledger.abandoned,
        ledger.admitted,
        ledger.outstanding
    );
    assert_nothing_lost(&load, &ledger, &server.log());
}

fn assert_nothing_lost(load: &Load, ledger: &Ledger, log: &str) {
    assert!(load.after_signal > 0, "no answer came after the signal, so nothing was drained: {load:?}\n{log}");
    assert_eq!(load.other, 0, "answers other than a whole 200 came: {load:?}\n{log}");
    // Draining finishes every request it has begun and closes a connection only once its answer is written, and a
    // client sends its next request only once it has read the whole answer: no answer is recorded but unread.
    assert_eq!(
        ledger.answered, load.received,
        "the clients received {} answers, the ledger holds {} ({ledger:?})\n{log}",
        load.received, ledger.answered
    );
    assert_eq!(
        ledger.admitted, ledger.events,
        "admitted {} requests but recorded {} ({ledger:?})\n{log}",
        ledger.admitted, ledger.events
    );
    assert_eq!(ledger.outstanding, 0, "tokens still reserved after shutdown ({ledger:?})\n{log}");
    assert_eq!(
        ledger.abandoned, load.cut_off,
        "{} requests were cut off, the ledger holds {} abandoned ({ledger:?})\n{log}",
        load.cut_off, ledger.abandoned
    );
}

/// An OpenAI-compatible upstream that takes a few tens of milliseconds over every answer, whole or streamed.
async fn slow_upstream() -> MockUpstream {
    MockUpstream::respond(|request: &Recorded| {
        if request.body["messages"][0]["content"] == NEVER_ANSWERED {
            Reply::Hang
        } else if request.body["stream"] == json!(true) {
            slowly("text/event-stream", STREAM.split_inclusive("\n\n").map(str::as_bytes).collect())
        } else {
            let body = completion().to_string().into_bytes();
            let (head, tail) = body.split_at(body.len() / 2);
            slowly("application/json", vec![head, tail])
        }
    })
    .await
}

fn slowly(content_type: &str, chunks: Vec<&[u8]>) -> Reply {
    Reply::Chunks {
        status: 200,
        headers: vec![("content-type".into(), content_type.into())],
        chunks: chunks.into_iter().map(<[u8]>::to_vec).collect(),
        delay: UPSTREAM_PAUSE,
    }
}

fn completion() -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "llama-3.3-70b-versatile",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    })
}

const STREAM: &str = concat!(
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hel\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}\n\n",
    "data: [DONE]\n\n",
);

/// What one client saw.
#[derive(Debug, Default)]
struct Tally {
    /// Whole answers: a 200 with its body, or a stream that ended with `finish_reason: stop`.
    received: u64,
    /// Of those, the ones that came after the signal.
    after_signal: u64,
    /// Any other answer (an error status, a stream that ended in an error).
    other: u64,
    /// Why the client stopped.
    stopped_by: String,
}

/// Chats on one connection, every `STREAM_EVERY`-th request streamed, until a request fails (the server closed).
async fn client(base: String, key: String, signalled: Arc<AtomicBool>) -> Tally {
    let http = http_client();
    let mut tally = Tally::default();
    for n in 0_u64.. {
        let stream = n % STREAM_EVERY == STREAM_EVERY - 1;
        let body = json!({"messages": [{"role": "user", "content": "hi"}], "model": "llama-3.3-70b", "stream": stream});
        match chat(&http, &base, &key, &body).await {
            Ok(true) => {
                tally.received += 1;
                tally.after_signal += u64::from(signalled.load(Ordering::SeqCst));
            }
            Ok(false) => tally.other += 1,
            Err(err) => {
                tally.stopped_by = format!("{err:#}");
                break;
            }
        }
    }
    tally
}

/// One chat the upstream never answers: whether the server cut it off (rather than answering).
async fn never_answered(base: String, key: String) -> bool {
    let body = json!({"messages": [{"role": "user", "content": NEVER_ANSWERED}], "model": "llama-3.3-70b"});
    chat(&http_client(), &base, &key, &body).await.is_err()
}

/// A client with one connection, and a timeout that outlasts the server's shutdown.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(1).timeout(Duration::from_secs(30)).build().unwrap()
}

/// One chat, read to its end: whether it was a whole answer.
async fn chat(http: &reqwest::Client, base: &str, key: &str, body: &Value) -> reqwest::Result<bool> {
    let response = http.post(format!("{base}/v1/chat")).bearer_auth(key).json(body).send().await?;
    let status = response.status();
    let text = response.text().await?;
    if status != 200 {
        return Ok(false);
    }
    Ok(match body["stream"].as_bool() {
        Some(true) => last_event(&text)["finish_reason"] == "stop",
        _ => serde_json::from_str::<Value>(&text).is_ok_and(|answer| answer["content"] == "hello"),
    })
}

/// The last `data:` event of an SSE body.
fn last_event(body: &str) -> Value {
    body.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .next_back()
        .and_then(|data| serde_json::from_str(data).ok())
        .unwrap_or(Value::Null)
}

/// What all the clients saw.
#[derive(Debug, Default)]
struct Load {
    received: u64,
    after_signal: u64,
    other: u64,
    /// Requests the upstream never answered that the server cut off.
    cut_off: u64,
    /// Why the first client stopped.
    stopped_by: String,
}

impl Load {
    async fn gather(clients: Vec<JoinHandle<Tally>>, waiting: Vec<JoinHandle<bool>>) -> Load {
        let mut load = Load::default();
        for client in clients {
            load.add(finished(client).await);
        }
        for request in waiting {
            load.cut_off += u64::from(finished(request).await);
        }
        load
    }

    fn add(&mut self, tally: Tally) {
        self.received += tally.received;
        self.after_signal += tally.after_signal;
        self.other += tally.other;
        if self.stopped_by.is_empty() {
            self.stopped_by = tally.stopped_by;
        }
    }
}

/// What a client task ended with; it ends soon after the server exits.
async fn finished<T>(task: JoinHandle<T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), task).await.unwrap().unwrap()
}

/// The tenant's ledger, read behind the API once the server has exited.
#[derive(Debug)]
struct Ledger {
    /// `usage_events` rows with status 200.
    answered: u64,
    /// All its `usage_events` rows.
    events: u64,
    /// Of those, the requests recorded as abandoned (499).
    abandoned: u64,
    /// `tenant_quotas.month_requests`.
    admitted: u64,
    /// `month_reserved` less the reservations this month's days released.
    outstanding: i64,
}

impl Ledger {
    async fn read(db: &TestDb, tenant: &str) -> Ledger {
        let events = format!("usage_events WHERE tenant_id = '{tenant}'");
        let quotas = format!("tenant_quotas q WHERE q.tenant_id = '{tenant}'");
        let released = "(SELECT COALESCE(SUM(d.released), 0) FROM usage_daily d \
             WHERE d.tenant_id = q.tenant_id AND d.day_key LIKE q.month_key || '-%')";
        Ledger {
            answered: count(db, &format!("{events} AND status = 200")).await,
            events: count(db, &events).await,
            abandoned: count(db, &format!("{events} AND status = 499")).await,
            admitted: u64::try_from(number(db, "q.month_requests", &quotas).await).unwrap(),
            outstanding: number(db, &format!("q.month_reserved - {released}"), &quotas).await,
        }
    }
}

/// `SELECT COUNT(*) FROM rows`.
async fn count(db: &TestDb, rows: &str) -> u64 {
    u64::try_from(db.count_rows(rows).await.unwrap()).unwrap()
}

/// `SELECT expression FROM rows`, for the one row there is.
async fn number(db: &TestDb, expression: &str, rows: &str) -> i64 {
    let values = db.text_column(rows, &format!("CAST(CAST({expression} AS BIGINT) AS TEXT)")).await.unwrap();
    assert_eq!(values.len(), 1, "one row of {rows}");
    values[0].parse().unwrap()
}
