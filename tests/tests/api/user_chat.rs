//! End users' chat (`/api/chat`, `/api/chat/stream`, `/api/conversations*`, `/api/memory*`, `/api/agents`) and
//! the Quickstart's `context_id` on `/v1/chat`, over real HTTP against a mock upstream, as the guide's own code
//! uses them: its `AresClient` Python class, the Quickstart's curl, Python and JavaScript, and the Streaming guide's
//! Python, each run unchanged but for the base URL and the credential (`tests/fixtures/`). Then what the server
//! keeps of it: conversations whose earlier turns reach the model, a stream the client leaves kept and metered as
//! far as it went, and no account ever reaching another's conversations or memory.

use std::process::Command;
use std::time::Duration;

use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::helpers::{PROVIDER_KEYS, TestApp, config_with_upstream, error, status_and_json};

with_each_backend!(
    the_guides_ares_client_continues_a_conversation_with_its_history,
    the_quickstart_examples_run_unchanged_against_a_local_server,
    a_users_stream_is_text_chunks_kept_in_the_conversation_it_names,
    a_stream_the_client_leaves_keeps_and_meters_what_was_written,
    conversations_are_listed_read_renamed_and_deleted,
    no_account_reaches_another_accounts_conversations_or_memory,
    platform_agents_are_listed_openly_and_answer_with_their_prompt_and_tools,
    an_expired_access_token_or_a_refresh_token_is_refused,
    the_authentication_examples_run_as_written,
);

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
/// The base URL the guide's examples are written against.
const DOCS_URL: &str = "https://api.ares.dirmacs.com";
const PASSWORD: &str = "your-secure-password";
/// The `product` platform agent's system prompt (`ares.toml`).
const PRODUCT_PROMPT: &str =
    "You answer questions about products, plans and pricing clearly and accurately. When you do not know, say so.";

/// A signed-in end user.
struct User {
    id: String,
    access: String,
    refresh: String,
}

impl User {
    /// The account the user's usage is recorded under: their id's UUID.
    fn account(&self) -> String {
        let hex = self.id.strip_prefix("usr_").unwrap();
        uuid::Uuid::parse_str(hex).unwrap().hyphenated().to_string()
    }
}

/// Registers `email` (the guide's example password and name) and signs in.
async fn sign_up(app: &TestApp, email: &str) -> User {
    let body = json!({"email": email, "password": PASSWORD, "name": "Jane Developer"});
    let (status, created) =
        status_and_json(app.request(Method::POST, "/api/auth/register").json(&body).send().await.unwrap()).await;
    assert_eq!(status, 201, "{created}");
    let body = json!({"email": email, "password": PASSWORD});
    let (status, tokens) =
        status_and_json(app.request(Method::POST, "/api/auth/login").json(&body).send().await.unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    let text = |field: &str| tokens[field].as_str().unwrap().to_owned();
    User {
        id: created["user_id"].as_str().unwrap().to_owned(),
        access: text("access_token"),
        refresh: text("refresh_token"),
    }
}

/// A request with `token` as the bearer (an access token on `/api/*`, an API key on `/v1/*`): status and JSON.
async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = app.request(method, path).bearer_auth(token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    status_and_json(request.send().await.unwrap()).await
}

/// `POST /api/chat` as `user` with `body`; the answer, which must be a 200.
async fn chat(app: &TestApp, user: &User, body: Value) -> Value {
    let (status, answer) = call(app, &user.access, Method::POST, "/api/chat", Some(body.clone())).await;
    assert_eq!(status, 200, "{body}: {answer}");
    answer
}

/// The events of an OpenAI-compatible stream that writes `pieces`, then stops with its usage.
fn openai_events(pieces: &[&str]) -> Vec<String> {
    let mut events: Vec<Value> =
        pieces.iter().map(|piece| json!({"choices": [{"index": 0, "delta": {"content": piece}}]})).collect();
    events.push(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}));
    events.push(json!({"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 10}}));
    let mut events: Vec<String> = events.iter().map(|event| format!("data: {event}\n\n")).collect();
    events.push("data: [DONE]\n\n".to_owned());
    events
}

/// An upstream stream reply writing `pieces`.
fn stream_reply(pieces: &[&str]) -> Reply {
    Reply::stream("text/event-stream", &openai_events(pieces).concat(), 7)
}

/// The `data` of each Server-Sent Event of `body`, its `data:` lines joined by line breaks as SSE clients do, with
/// the event's type when it has one.
fn sse_events(body: &str) -> Vec<(Option<String>, String)> {
    body.split("\n\n")
        .filter(|event| !event.is_empty())
        .map(|event| {
            let mut kind = None;
            let mut data = Vec::new();
            for line in event.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    kind = Some(value.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push(value.strip_prefix(' ').unwrap_or(value));
                }
            }
            (kind, data.join("\n"))
        })
        .collect()
}

/// The `text` of a `/api/chat/stream` body: its events' data, in order; no event may be an error.
fn streamed_text(body: &str) -> String {
    let events = sse_events(body);
    assert!(events.iter().all(|(kind, _)| kind.is_none()), "{body}");
    events.into_iter().map(|(_, data)| data).collect()
}

/// The text of the fixture `name`, with each `(from, to)` swapped in (each must be there: the fixture is the
/// guide's text).
fn fixture(name: &str, swaps: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    for (from, to) in swaps {
        assert!(text.contains(from), "{name} does not hold {from}");
        text = text.replace(from, to);
    }
    text
}

/// Runs `program` with `args` off the async runtime; its standard output, which must be a success's.
async fn run(program: &'static str, args: Vec<String>) -> String {
    let output = tokio::task::spawn_blocking(move || Command::new(program).args(&args).output())
        .await
        .unwrap()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{program} failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

/// The system prompt a request to the upstream carried.
fn system_prompt(request: &Recorded) -> &str {
    let first = &request.body["messages"][0];
    assert_eq!(first["role"], "system", "{}", request.body);
    first["content"].as_str().unwrap()
}

/// The names of the tools a request to the upstream offered the model.
fn offered_tools(request: &Recorded) -> Vec<&str> {
    let tools = request.body["tools"].as_array().map(Vec::as_slice).unwrap_or_default();
    tools.iter().map(|tool| tool["function"]["name"].as_str().unwrap()).collect()
}

/// `(role, content)` of each message of a conversation (as `GET /api/conversations/{id}` answers it).
fn transcript(conversation: &Value) -> Vec<(String, String)> {
    let messages = conversation["messages"].as_array().unwrap();
    messages
        .iter()
        .map(|m| (m["role"].as_str().unwrap().to_owned(), m["content"].as_str().unwrap().to_owned()))
        .collect()
}

fn turns(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(role, content)| ((*role).to_owned(), (*content).to_owned())).collect()
}

/// The ids of a conversation list, in order.
fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect()
}

async fn the_guides_ares_client_continues_a_conversation_with_its_history(backend: Backend) {
    let (first, second) = ("We offer Free, Pro and Enterprise plans.", "Enterprise adds SSO and a support line.");
    let replies = vec![Reply::json(200, &completion(first, 40, 9)), Reply::json(200, &completion(second, 80, 11))];
    let client = Client::start(backend, replies, "").await;
    let user = sign_up(&client.app, "developer@example.com").await;

    let script = format!("{FIXTURES}/ares_client.py");
    let args = vec![script, client.app.address.clone(), "developer@example.com".into(), PASSWORD.into()];
    let printed = run("python3", args).await;
    let lines: Vec<Value> = printed.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let (answer, follow_up) = (&lines[0], &lines[1]);
    assert_eq!(
        (&answer["response"], &answer["content"], &answer["agent"], &answer["sources"], &answer["tokens_used"]),
        (&json!(first), &json!(first), &json!("product"), &Value::Null, &json!(49)),
        "{answer}"
    );
    let context_id = answer["context_id"].as_str().unwrap();
    assert!(context_id.starts_with("ctx_"), "{answer}");
    assert_eq!(
        (&follow_up["status"], &follow_up["response"], &follow_up["context_id"]),
        (&json!(200), &json!(second), &json!(context_id)),
        "{follow_up}"
    );

    let received = client.upstream.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].body["messages"],
        json!([{"role": "system", "content": PRODUCT_PROMPT},
               {"role": "user", "content": "What pricing plans do you offer?"}])
    );
    assert_eq!(
        received[1].body["messages"],
        json!([{"role": "system", "content": PRODUCT_PROMPT},
               {"role": "user", "content": "What pricing plans do you offer?"},
               {"role": "assistant", "content": first},
               {"role": "user", "content": "How does the Pro plan compare to Enterprise?"}]),
        "the second turn reaches the model after the first, under the product agent's prompt"
    );
    let path = format!("/api/conversations/{context_id}");
    let (status, conversation) = call(&client.app, &user.access, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{conversation}");
    assert_eq!(
        transcript(&conversation),
        turns(&[
            ("user", "What pricing plans do you offer?"),
            ("assistant", first),
            ("user", "How does the Pro plan compare to Enterprise?"),
            ("assistant", second),
        ])
    );
}

/// The Quickstart's chat (1), continued (3), and its stream (2) with `-N`: curl as the guide writes it.
const CURL_CHAT: &str = r#"curl -X POST https://api.ares.dirmacs.com/v1/chat \
  -H "Authorization: Bearer ares_xxx" \
  -H "Content-Type: application/json" \
  -d '{
    "message": "What can you help me with?",
    "agent_type": "product"
  }'"#;
const CURL_STREAM: &str = r#"curl -N -X POST https://api.ares.dirmacs.com/v1/chat/stream \
  -H "Authorization: Bearer ares_xxx" \
  -H "Content-Type: application/json" \
  -d '{
    "message": "Explain how LLM routing works",
    "agent_type": "product"
  }'"#;
const CURL_CONTINUE: &str = r#"curl -X POST https://api.ares.dirmacs.com/v1/chat \
  -H "Authorization: Bearer ares_xxx" \
  -H "Content-Type: application/json" \
  -d '{
    "message": "Tell me more about that",
    "agent_type": "product",
    "context_id": "ctx_a1b2c3d4"
  }'"#;
const QUICKSTART_ANSWER: &str = "I can help you with product information, recommendations, and questions...";
const QUICKSTART_PIECES: [&str; 3] =
    ["I can help you", " with product information,", " recommendations, and questions..."];

async fn the_quickstart_examples_run_unchanged_against_a_local_server(backend: Backend) {
    let upstream = MockUpstream::respond(|request| {
        if request.body["stream"] == json!(true) {
            stream_reply(&QUICKSTART_PIECES)
        } else {
            Reply::json(200, &completion(QUICKSTART_ANSWER, 30, 14))
        }
    })
    .await;
    let app = TestApp::spawn_configured(backend, &config_with_upstream(upstream.url(), ""), &PROVIDER_KEYS).await;
    let client = Client { app, upstream };
    // A kasino tenant has no agent named or typed `product`: the platform's answers.
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let address = client.app.address.clone();
    let local = |text: &str| text.replace(DOCS_URL, &address).replace("ares_xxx", &key);

    let answer: Value = serde_json::from_str(&run("sh", vec!["-c".into(), local(CURL_CHAT)]).await).unwrap();
    assert_eq!(
        (&answer["response"], &answer["agent"], &answer["sources"]),
        (&json!(QUICKSTART_ANSWER), &json!("product"), &Value::Null),
        "{answer}"
    );
    let context_id = answer["context_id"].as_str().unwrap().to_owned();
    assert!(context_id.starts_with("ctx_"), "{answer}");
    assert_eq!(system_prompt(&client.upstream.received()[0]), PRODUCT_PROMPT);

    let streamed = run("sh", vec!["-c".into(), local(CURL_STREAM)]).await;
    let events: Vec<Value> =
        sse_events(&streamed).iter().map(|(_, data)| serde_json::from_str(data).unwrap()).collect();
    let text: String = events.iter().map(|event| event["delta"].as_str().unwrap()).collect();
    assert_eq!(text, QUICKSTART_ANSWER, "{streamed}");
    let last = events.last().unwrap();
    assert_eq!((&last["finish_reason"], &last["tokens_used"]), (&json!("stop"), &json!(30)), "{last}");
    let streamed_context = last["context_id"].as_str().unwrap();
    assert!(
        streamed_context.starts_with("ctx_") && streamed_context != context_id,
        "a conversation of its own: {last}"
    );

    let python = fixture("quickstart_chat.py", &[(DOCS_URL, &address), ("ares_xxx", &key)]);
    assert_eq!(run("python3", vec!["-c".into(), python]).await, format!("{QUICKSTART_ANSWER}\n"));
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("quickstart_chat.mjs");
    std::fs::write(&module, fixture("quickstart_chat.mjs", &[(DOCS_URL, &address), ("ares_xxx", &key)])).unwrap();
    assert_eq!(run("node", vec![module.to_string_lossy().into_owned()]).await, format!("{QUICKSTART_ANSWER}\n"));

    let continued = local(CURL_CONTINUE).replace("ctx_a1b2c3d4", &context_id);
    let answer: Value = serde_json::from_str(&run("sh", vec!["-c".into(), continued]).await).unwrap();
    assert_eq!((&answer["response"], &answer["context_id"]), (&json!(QUICKSTART_ANSWER), &json!(context_id)));
    assert_eq!(
        client.upstream.received().last().unwrap().body["messages"],
        json!([{"role": "system", "content": PRODUCT_PROMPT},
               {"role": "user", "content": "What can you help me with?"},
               {"role": "assistant", "content": QUICKSTART_ANSWER},
               {"role": "user", "content": "Tell me more about that"}]),
        "the earlier turn goes to the model before the new message"
    );

    // The V1 reference's form keeps no conversation: the client holds the history.
    let body = json!({"messages": [{"role": "user", "content": "Hello"}], "agent_type": "product"});
    let (status, answer) = client.call(&key, Method::POST, "/v1/chat", Some(body)).await;
    assert_eq!((status, &answer["context_id"], &answer["response"]), (200, &Value::Null, &json!(QUICKSTART_ANSWER)));
    assert_eq!(
        client.upstream.received().last().unwrap().body["messages"][1],
        json!({"role": "user", "content": "Hello"})
    );
}

async fn a_users_stream_is_text_chunks_kept_in_the_conversation_it_names(backend: Backend) {
    let plain = ["Neural networks learn", " by adjusting their weights", " to reduce the error."];
    let lines = ["Step 1: predict.\nStep 2:", " measure the error.\n", "Step 3: adjust."];
    let client = Client::start(backend, vec![stream_reply(&plain), stream_reply(&lines)], "").await;
    let user = sign_up(&client.app, "developer@example.com").await;

    let script = fixture("streaming_chat.py", &[(DOCS_URL, &client.app.address), ("eyJhbGciOi...", &user.access)]);
    assert_eq!(run("python3", vec!["-c".into(), script]).await, plain.concat(), "the guide's Python prints the answer");

    let body = json!({"message": "Explain how neural networks learn", "agent_type": "research"});
    let response = client
        .app
        .request(Method::POST, "/api/chat/stream")
        .bearer_auth(&user.access)
        .header("Accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["x-ratelimit-limit"], "100", "the user's own free tier");
    let context_id = response.headers()["x-context-id"].to_str().unwrap().to_owned();
    assert!(context_id.starts_with("ctx_"), "{context_id}");
    let text = response.text().await.unwrap();
    assert_eq!(streamed_text(&text), lines.concat(), "{text}");
    assert!(
        text.starts_with("data: Step 1: predict.\ndata: Step 2:\n\n"),
        "a chunk's line breaks split its data: {text}"
    );

    let request = client.upstream.received().last().unwrap().clone();
    assert_eq!(request.body["stream"], true);
    assert!(system_prompt(&request).starts_with("You research questions step by step"), "{}", request.body);
    assert_eq!(request.body["model"], "llama-3.3-70b-versatile");
    let offered: Vec<&str> =
        request.body["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(offered, ["web_search", "calculator"], "the research agent's tools are offered");
    let (status, conversation) =
        call(&client.app, &user.access, Method::GET, &format!("/api/conversations/{context_id}"), None).await;
    assert_eq!((status, &conversation["agent"]), (200, &json!("research")), "{conversation}");
    assert_eq!(
        transcript(&conversation),
        turns(&[("user", "Explain how neural networks learn"), ("assistant", &lines.concat())])
    );
    let (_, list) = call(&client.app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "the Python example's stream is kept too: {list}");
}

async fn a_stream_the_client_leaves_keeps_and_meters_what_was_written(backend: Backend) {
    let pieces =
        ["Once upon a time", " there was a model", " that wrote", " very slowly", " and never", " quite", " finished."];
    let slow = Reply::Chunks {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        chunks: openai_events(&pieces).into_iter().map(String::into_bytes).collect(),
        delay: Duration::from_millis(400),
    };
    let client = Client::start(backend, vec![slow, Reply::json(200, &completion("Hello again.", 5, 3))], "").await;
    let user = sign_up(&client.app, "developer@example.com").await;

    let http = reqwest::Client::new();
    let mut response = http
        .post(format!("{}/api/chat/stream", client.app.address))
        .bearer_auth(&user.access)
        .json(&json!({"message": "Tell me a long story"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let context_id = response.headers()["x-context-id"].to_str().unwrap().to_owned();
    let mut received = String::new();
    while !received.contains("\n\n") {
        let chunk = response.chunk().await.unwrap().expect("the first event");
        received.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    drop(response);
    drop(http);
    let partial = streamed_text(&received);
    assert!(!partial.is_empty() && pieces.concat().starts_with(&partial), "{received}");

    let path = format!("/api/conversations/{context_id}");
    let mut list = Value::Null;
    // Every request of the user's counts against their day: the stream, each look, the chat below.
    let mut requests = 1;
    for _ in 0..100 {
        requests += 1;
        list = call(&client.app, &user.access, Method::GET, "/api/conversations", None).await.1;
        if list.as_array().is_some_and(|list| !list.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ids(&list), [context_id.as_str()], "the left stream is kept: {list}");
    assert_eq!((&list[0]["message_count"], &list[0]["agent"]), (&json!(2), &json!("router")), "{list}");
    let (_, conversation) = call(&client.app, &user.access, Method::GET, &path, None).await;
    requests += 2;
    let kept = transcript(&conversation);
    assert_eq!(kept[0], ("user".to_owned(), "Tell me a long story".to_owned()));
    let (role, answer) = &kept[1];
    assert_eq!(role, "assistant");
    assert!(answer.starts_with(&partial), "what the client was sent is kept: {answer:?} after {partial:?}");
    assert!(pieces.concat().starts_with(answer.as_str()) && answer != &pieces.concat(), "only a part: {answer:?}");

    let account = user.account();
    let abandoned = format!(
        "usage_events WHERE tenant_id = '{account}' AND endpoint = 'POST /api/chat/stream' AND status = 499 \
         AND tokens_out > 0"
    );
    assert_eq!(client.app.db.count_rows(&abandoned).await.unwrap(), 1, "metered to the user as abandoned");
    let response = client
        .app
        .request(Method::POST, "/api/chat")
        .bearer_auth(&user.access)
        .json(&json!({"message": "Hello?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        (&response.headers()["x-ratelimit-limit"], &response.headers()["x-ratelimit-remaining"]),
        (&"100".parse().unwrap(), &(100 - requests).to_string().parse().unwrap()),
        "the left stream counts against the user's day"
    );
}

async fn conversations_are_listed_read_renamed_and_deleted(backend: Backend) {
    let replies = ["Free, Pro and Enterprise.", "Qubits in superposition.", "Pro has higher limits."]
        .map(|text| Reply::json(200, &completion(text, 10, 5)))
        .to_vec();
    let client = Client::start(backend, replies, "").await;
    let app = &client.app;
    let user = sign_up(app, "developer@example.com").await;
    let (status, list) = call(app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!((status, list), (200, json!([])));

    let pricing =
        chat(app, &user, json!({"message": "What pricing plans do you offer?", "agent_type": "product"})).await;
    let pricing = pricing["context_id"].as_str().unwrap().to_owned();
    let quantum = chat(app, &user, json!({"message": "Explain quantum computing\nin simple terms"})).await;
    assert_eq!(quantum["agent"], "router", "no agent_type: the router answers");
    let quantum = quantum["context_id"].as_str().unwrap().to_owned();
    let (_, list) = call(app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(ids(&list), [quantum.as_str(), pricing.as_str()], "newest first: {list}");
    assert_eq!(
        (&list[0]["title"], &list[0]["agent"], &list[0]["message_count"]),
        (&json!("Explain quantum computing"), &json!("router"), &json!(2)),
        "titled after the first line: {list}"
    );

    let body = json!({"message": "How does Pro compare?", "agent_type": "product", "context_id": pricing});
    assert_eq!(chat(app, &user, body).await["context_id"], pricing);
    let (_, list) = call(app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(ids(&list), [pricing.as_str(), quantum.as_str()], "continued, it is the newest: {list}");
    assert_eq!(
        (&list[0]["title"], &list[0]["agent"], &list[0]["message_count"]),
        (&json!("What pricing plans do you offer?"), &json!("product"), &json!(4))
    );
    let (status, conversation) =
        call(app, &user.access, Method::GET, &format!("/api/conversations/{pricing}"), None).await;
    assert_eq!(status, 200);
    assert_eq!((&conversation["id"], &conversation["message_count"]), (&json!(pricing), &json!(4)));
    assert_eq!(
        transcript(&conversation),
        turns(&[
            ("user", "What pricing plans do you offer?"),
            ("assistant", "Free, Pro and Enterprise."),
            ("user", "How does Pro compare?"),
            ("assistant", "Pro has higher limits."),
        ])
    );
    assert!(conversation["messages"].as_array().unwrap().iter().all(|m| m["created_at"].is_string()));

    let path = format!("/api/conversations/{pricing}");
    let (status, renamed) =
        call(app, &user.access, Method::PUT, &path, Some(json!({"title": "Pricing discussion"}))).await;
    assert_eq!((status, &renamed["id"], &renamed["title"]), (200, &json!(pricing), &json!("Pricing discussion")));
    assert_eq!(renamed["message_count"], 4, "{renamed}");
    for title in ["   ", &"x".repeat(201)] {
        let (status, refused) = call(app, &user.access, Method::PUT, &path, Some(json!({"title": title}))).await;
        assert_eq!((status, &refused["code"]), (422, &json!("VALIDATION_ERROR")), "{title:?}: {refused}");
    }
    let (_, list) = call(app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!((&list[0]["id"], &list[0]["title"]), (&json!(pricing), &json!("Pricing discussion")), "{list}");
    let body = json!({"message": "And Enterprise?", "agent_type": "product", "context_id": pricing});
    chat(app, &user, body).await;
    let (_, list) = call(app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(
        (&list[0]["title"], &list[0]["message_count"]),
        (&json!("Pricing discussion"), &json!(6)),
        "a new turn keeps the title: {list}"
    );

    let gone = format!("/api/conversations/{quantum}");
    let (status, _) = call(app, &user.access, Method::DELETE, &gone, None).await;
    assert_eq!(status, 204);
    let not_found = error("Conversation not found", "NOT_FOUND");
    assert_eq!(call(app, &user.access, Method::GET, &gone, None).await, (404, not_found.clone()));
    assert_eq!(call(app, &user.access, Method::DELETE, &gone, None).await, (404, not_found.clone()));
    let body = json!({"message": "And more?", "context_id": quantum});
    assert_eq!(call(app, &user.access, Method::POST, "/api/chat", Some(body)).await, (404, not_found.clone()));
    assert_eq!(call(app, &user.access, Method::GET, "/api/conversations/conv_abc123", None).await, (404, not_found));
    let (_, list) = call(app, &user.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(ids(&list), [pricing.as_str()]);
    assert_eq!(client.upstream.received().len(), 4, "a chat refused before it starts reaches no model");
}

async fn no_account_reaches_another_accounts_conversations_or_memory(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("Noted.", 10, 2))], "").await;
    let app = &client.app;
    let (alice, bob) = (sign_up(app, "alice@example.com").await, sign_up(app, "bob@example.com").await);
    let memory = uuid::Uuid::new_v4().to_string();
    app.db
        .execute(&format!(
            "INSERT INTO memories (id, user_id, kind, content, source, created_at) \
             VALUES ('{memory}', '{}', 'preference', 'Prefers metric units', NULL, '2026-03-13 09:00:00')",
            alice.id
        ))
        .await
        .unwrap();

    let hers = chat(app, &alice, json!({"message": "My plans for Q3", "agent_type": "product"})).await;
    let hers = hers["context_id"].as_str().unwrap().to_owned();
    let remembered = "What you know about the user from earlier conversations:\n- (preference) Prefers metric units";
    assert!(system_prompt(&client.upstream.received()[0]).ends_with(remembered), "her memory joins her prompt");
    let his = chat(app, &bob, json!({"message": "Hello", "agent_type": "product"})).await;
    let his = his["context_id"].as_str().unwrap().to_owned();
    assert_eq!(system_prompt(&client.upstream.received()[1]), PRODUCT_PROMPT, "not his");

    let path = format!("/api/conversations/{hers}");
    let (_, before) = call(app, &alice.access, Method::GET, &path, None).await;
    let (_, her_memory) = call(app, &alice.access, Method::GET, "/api/memory", None).await;
    assert_eq!(
        (&her_memory[0]["id"], &her_memory[0]["kind"], &her_memory[0]["content"]),
        (&json!(memory), &json!("preference"), &json!("Prefers metric units")),
        "{her_memory}"
    );
    let asked = client.upstream.received().len();

    let not_found = error("Conversation not found", "NOT_FOUND");
    for (method, body) in
        [(Method::GET, None), (Method::PUT, Some(json!({"title": "Mine now"}))), (Method::DELETE, None)]
    {
        assert_eq!(call(app, &bob.access, method.clone(), &path, body).await, (404, not_found.clone()), "{method}");
    }
    let (_, list) = call(app, &bob.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(ids(&list), [his.as_str()], "his list shows only his");
    let body = json!({"message": "Tell me her plans", "context_id": hers});
    for route in ["/api/chat", "/api/chat/stream"] {
        assert_eq!(
            call(app, &bob.access, Method::POST, route, Some(body.clone())).await,
            (404, not_found.clone()),
            "{route}"
        );
    }
    let (status, list) = call(app, &bob.access, Method::GET, "/api/memory", None).await;
    assert_eq!((status, list), (200, json!([])));
    let forget = format!("/api/memory/{memory}");
    assert_eq!(
        call(app, &bob.access, Method::DELETE, &forget, None).await,
        (404, error("Memory not found", "NOT_FOUND"))
    );

    // A tenant's key and a user's token: neither continues the other's conversation.
    let (_, key) = client.tenant("acme-corp", "pro").await;
    let body = json!({"message": "Continue", "agent_type": "product", "context_id": hers});
    for route in ["/v1/chat", "/v1/chat/stream"] {
        assert_eq!(
            client.call(&key, Method::POST, route, Some(body.clone())).await,
            (404, not_found.clone()),
            "{route}"
        );
    }
    let (status, theirs) =
        client.call(&key, Method::POST, "/v1/chat", Some(json!({"message": "Hi", "agent_type": "product"}))).await;
    assert_eq!(status, 200, "{theirs}");
    let theirs = theirs["context_id"].as_str().unwrap().to_owned();
    let asked = asked + 1;
    let body = json!({"message": "Continue", "context_id": theirs});
    assert_eq!(call(app, &alice.access, Method::POST, "/api/chat", Some(body)).await, (404, not_found.clone()));
    let (status, _) = call(app, &alice.access, Method::GET, &format!("/api/conversations/{theirs}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(client.upstream.received().len(), asked, "no refused chat reached the model");
    let body = json!({"message": "Continue", "agent_type": "product", "context_id": theirs});
    assert_eq!(client.call(&key, Method::POST, "/v1/chat", Some(body)).await.0, 200, "the tenant continues its own");

    assert_eq!(call(app, &alice.access, Method::GET, &path, None).await, (200, before), "hers is as it was");
    let (_, list) = call(app, &alice.access, Method::GET, "/api/conversations", None).await;
    assert_eq!(ids(&list), [hers.as_str()]);
    assert_eq!(call(app, &alice.access, Method::GET, "/api/memory", None).await.1, her_memory);
    let (status, _) = call(app, &alice.access, Method::DELETE, &forget, None).await;
    assert_eq!(status, 204, "she may forget it");
    assert_eq!(call(app, &alice.access, Method::GET, "/api/memory", None).await.1, json!([]));
}

async fn platform_agents_are_listed_openly_and_answer_with_their_prompt_and_tools(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("The margin is 25%.", 60, 8))], "").await;
    let app = &client.app;
    let (status, agents) = status_and_json(app.request(Method::GET, "/api/agents").send().await.unwrap()).await;
    assert_eq!(status, 200, "no authentication: {agents}");
    let anyone = app.request(Method::GET, "/api/agents").bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(status_and_json(anyone).await, (200, agents.clone()), "a credential is not even looked at");
    let agents = agents.as_array().unwrap();
    let names: Vec<&str> = agents.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["router", "product", "research", "financial-analyst", "support-agent"]);
    for agent in agents {
        let mut keys: Vec<&str> = agent.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["description", "model", "name", "tools"], "{agent}");
    }
    assert_eq!(
        agents[..3],
        [
            json!({"name": "router", "description": "Routes incoming requests to the most appropriate specialist agent.",
                   "model": "llama-3.3-70b-versatile", "tools": []}),
            json!({"name": "product", "description": "Answers product-related questions with detailed knowledge.",
                   "model": "llama-3.3-70b-versatile", "tools": []}),
            json!({"name": "research", "description": "Conducts deep multi-step research with source synthesis.",
                   "model": "llama-3.3-70b", "tools": ["web_search", "calculator"]}),
        ]
    );

    let user = sign_up(app, "developer@example.com").await;
    let body = json!({"message": "Revenue 400, costs 300: what is the margin?", "agent_type": "financial-analyst"});
    assert_eq!(chat(app, &user, body).await["agent"], "financial-analyst");
    let request = client.upstream.received()[0].clone();
    let prompt = system_prompt(&request);
    assert!(prompt.starts_with("You are a senior financial analyst."), "{prompt}");
    assert!(prompt.contains("- Use the calculator tool for arithmetic to ensure accuracy"), "{prompt}");
    assert_eq!(offered_tools(&request), ["calculator"]);
    assert_eq!(
        (&request.body["max_tokens"], &request.body["model"]),
        (&json!(4096), &json!("llama-3.3-70b-versatile"))
    );

    let body = json!({"message": "I was charged twice", "agent_type": "support-agent"});
    assert_eq!(chat(app, &user, body).await["agent"], "support-agent");
    let request = client.upstream.received()[1].clone();
    let prompt = system_prompt(&request);
    assert!(
        prompt.starts_with("Role: Customer Support Specialist\n\nPersonality: Professional, empathetic"),
        "{prompt}"
    );
    assert!(
        prompt.ends_with(
            "Constraints:\n- Never make up information about products\n- Escalate billing disputes to human agents\n\
             - Always confirm the customer's issue before proposing a solution"
        ),
        "{prompt}"
    );
    assert_eq!(offered_tools(&request), ["web_search"]);

    let body = json!({"message": "Hi", "agent_type": "nobody"});
    let (status, refused) = call(app, &user.access, Method::POST, "/api/chat", Some(body)).await;
    assert_eq!((status, refused), (404, error("Agent not found: nobody", "NOT_FOUND")));
}

async fn an_expired_access_token_or_a_refresh_token_is_refused(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("Hello.", 5, 2))], "").await;
    let app = &client.app;
    let user = sign_up(app, "developer@example.com").await;
    let invalid = (401, error("Invalid or expired token", "AUTH_INVALID_TOKEN"));
    let hello = json!({"message": "Hello"});
    chat(app, &user, hello.clone()).await;
    for token in [user.refresh.as_str(), "not-a-token", ""] {
        assert_eq!(call(app, token, Method::POST, "/api/chat", Some(hello.clone())).await, invalid, "{token:?}");
    }
    let (status, body) =
        status_and_json(app.request(Method::POST, "/api/chat").json(&hello).send().await.unwrap()).await;
    assert_eq!((status, body), invalid.clone(), "no token");

    app.clock.advance(chrono::Duration::seconds(901));
    for (method, path) in
        [(Method::POST, "/api/chat"), (Method::POST, "/api/chat/stream"), (Method::GET, "/api/conversations")]
    {
        let body = (method == Method::POST).then(|| hello.clone());
        assert_eq!(call(app, &user.access, method, path, body).await, invalid, "{path}");
    }
    let body = json!({"refresh_token": user.refresh});
    let (status, refreshed) =
        status_and_json(app.request(Method::POST, "/api/auth/refresh").json(&body).send().await.unwrap()).await;
    assert_eq!(status, 200, "{refreshed}");
    let access = refreshed["access_token"].as_str().unwrap();
    let (status, answer) = call(app, access, Method::POST, "/api/chat", Some(hello)).await;
    assert_eq!((status, &answer["response"]), (200, &json!("Hello.")), "a fresh access token works");
    assert_eq!(client.upstream.received().len(), 2, "refused requests reach no model");
}

/// The Authentication section's curl commands: register, log in, use the access token, refresh, log out.
const CURL_REGISTER: &str = r#"curl -X POST https://api.ares.dirmacs.com/api/auth/register \
-H "Content-Type: application/json" \
-d '{
"email": "developer@example.com",
"password": "your-secure-password",
"name": "Jane Developer"
}'"#;
const CURL_LOGIN: &str = r#"curl -X POST https://api.ares.dirmacs.com/api/auth/login \
-H "Content-Type: application/json" \
-d '{
"email": "developer@example.com",
"password": "your-secure-password"
}'"#;
const CURL_USE: &str = r#"curl https://api.ares.dirmacs.com/api/chat \
-H "Authorization: Bearer eyJhbGciOiJIUzI1NiIs..." \
-H "Content-Type: application/json" \
-d '{"message": "Hello", "agent_type": "product"}'"#;
const CURL_REFRESH: &str = r#"curl -X POST https://api.ares.dirmacs.com/api/auth/refresh \
-H "Content-Type: application/json" \
-d '{
"refresh_token": "rt_x9Kp2mQvL8wN3rTs..."
}'"#;
const CURL_LOGOUT: &str = r#"curl -X POST https://api.ares.dirmacs.com/api/auth/logout \
-H "Content-Type: application/json" \
-d '{
"refresh_token": "rt_x9Kp2mQvL8wN3rTs..."
}'"#;

async fn the_authentication_examples_run_as_written(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("Hello! How can I help?", 20, 6))], "").await;
    let address = client.app.address.clone();
    let curl = |command: &str, swaps: &[(&str, &str)]| {
        let mut command = command.replace(DOCS_URL, &address);
        for (from, to) in swaps {
            command = command.replace(from, to);
        }
        async move { serde_json::from_str::<Value>(&run("sh", vec!["-c".into(), command]).await).unwrap() }
    };
    let registered = curl(CURL_REGISTER, &[]).await;
    assert_eq!(registered["message"], "Registration successful", "{registered}");
    assert!(registered["user_id"].as_str().unwrap().starts_with("usr_"), "{registered}");
    let tokens = curl(CURL_LOGIN, &[]).await;
    assert_eq!(tokens["expires_in"], 900, "{tokens}");
    let (access, refresh) = (tokens["access_token"].as_str().unwrap(), tokens["refresh_token"].as_str().unwrap());
    let answer = curl(CURL_USE, &[("eyJhbGciOiJIUzI1NiIs...", access)]).await;
    assert_eq!((&answer["response"], &answer["agent"]), (&json!("Hello! How can I help?"), &json!("product")));
    let refreshed = curl(CURL_REFRESH, &[("rt_x9Kp2mQvL8wN3rTs...", refresh)]).await;
    assert_eq!(refreshed["expires_in"], 900, "{refreshed}");
    let next = refreshed["refresh_token"].as_str().unwrap();
    let logged_out = curl(CURL_LOGOUT, &[("rt_x9Kp2mQvL8wN3rTs...", next)]).await;
    assert_eq!(logged_out, json!({"message": "Logged out"}));
    let refused = curl(CURL_REFRESH, &[("rt_x9Kp2mQvL8wN3rTs...", next)]).await;
    assert_eq!(refused, json!({"error": "Invalid or expired token", "code": "AUTH_INVALID_TOKEN"}));

    // The guide's JavaScript `AresClient`, run by node: it signs in, chats, and refreshes its token when it runs out.
    let script = format!("{FIXTURES}/ares_client.mjs");
    let printed = run("node", vec![script, address.clone(), "developer@example.com".into(), PASSWORD.into()]).await;
    let answers: Vec<Value> = printed.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(answers.len(), 2, "{printed}");
    assert_eq!(answers[0]["response"], "Hello! How can I help?", "{printed}");
    assert_eq!((&answers[1]["response"], &answers[1]["refreshed"]), (&json!("Hello! How can I help?"), &json!(true)));
}
