//! Contract fuzzing: the server keeps the promises of its own OpenAPI 3.1 document, `GET /openapi.json`, for every
//! operation in it. Schemathesis (PyPI's `schemathesis`, which CI installs) loads the document from a running
//! server and sends each operation its examples, the boundary values of every parameter and body field (each type,
//! bound, enum and required field, just inside and just outside), and a fixed, seeded number of generated
//! requests, valid and invalid. For every response it checks that:
//! - no request, however malformed, gets a 5xx;
//! - the status and the content type are documented for the operation, and the body matches the documented schema
//!   (a Server-Sent Events answer is checked event by event);
//! - a request the document calls invalid is refused with a 4xx;
//! - an operation that declares credentials refuses a request without them, or with wrong ones.
//!
//! The server runs on SQLite against a mock model that answers every chat, whole or streamed. The admin secret and
//! an enterprise tenant's API key go with every request, and an enterprise user's access token with the user's
//! routes, so the Admin API, the V1 API, the OpenAI-compatible API and the users' API are all reached past
//! authentication and quotas; a run where an operation only ever answered 401/403 or 429 fails,
//! so a broken credential cannot pass unnoticed.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_store::Backend;
use reqwest::Method;
use serde_json::json;

use crate::fixture::completion;
use crate::helpers::{
    ADMIN_SECRET, PROVIDER_KEYS, TestApp, config_with_upstream, openapi_document, openapi_operations, status_and_json,
};

/// The checks applied to every response (`schemathesis run --help` lists them all).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,negative_data_rejection,ignored_auth";

/// Generated requests per operation in the fuzzing phase. The coverage phase sends its boundary values on top,
/// however many the operation's schemas call for.
const EXAMPLES_PER_OPERATION: &str = "20";

/// Fixed, so a violation CI finds is found again by the same command anywhere.
const SEED: &str = "20260313";

/// How long schemathesis may take before the test gives up on it; a run takes well under 2 minutes.
const DEADLINE: Duration = Duration::from_secs(600);

/// Schemathesis's configuration file, for what only a file can say:
/// - the warnings that fail the run: an operation that answered nothing but 401/403 (the credentials do not work),
///   or mostly 429 (a quota or rate limit got in the way), was not really tested;
/// - no values taken from earlier responses: with them, schemathesis revokes the very key it calls with (the id is
///   in `GET /v1/api-keys`) and moves the tenant to the free tier (its id is in `GET /api/admin/tenants`), and every
///   later operation is only refused;
/// - instead, the path parameters name real resources that may be changed and deleted ([`Targets`]), so that every
///   operation is fuzzed past "not found" into the code behind it.
fn schemathesis_config(key: &str, targets: &Targets) -> String {
    let mut config =
        format!("headers = {{ \"X-Admin-Secret\" = \"{ADMIN_SECRET}\", Authorization = \"Bearer {key}\" }}\n");
    config.push_str(concat!(
        "[warnings]\nfail-on = [\"missing_auth\", \"rate_limited\", \"base_url_mismatch\"]\n",
        "[phases.examples.extra-data-sources]\nresponses = false\n",
        "[phases.coverage.extra-data-sources]\nresponses = false\n",
        "[phases.fuzzing.extra-data-sources]\nresponses = false\n",
    ));
    let operations = [
        ("^/api/admin/tenants/", format!("\"path.id\" = \"{}\", \"path.name\" = \"{VICTIM_AGENT}\"", targets.tenant)),
        ("^/api/admin/providers/", format!("\"path.id\" = \"{PROVIDER}\"")),
        ("^/v1/agents/", format!("\"path.name\" = \"{AGENT}\"")),
        ("^/v1/api-keys/", format!("\"path.id\" = \"{}\"", targets.spare_key)),
        ("^/v1/models/", format!("\"path.id\" = \"{MODEL}\"")),
        ("^/docs/", "\"path.file\" = \"swagger-ui.css\"".to_owned()),
    ];
    for (path, parameters) in operations {
        config.push_str(&format!("[[operations]]\ninclude-path-regex = \"{path}\"\nparameters = {{ {parameters} }}\n"));
    }
    // A signed-in user's routes take the user's access token instead of the key, and name the user's conversation
    // and agent.
    config.push_str(&format!(
        "[[operations]]\ninclude-path-regex = \"^/api/(chat|conversations|memory|user)\"\n\
         headers = {{ Authorization = \"Bearer {}\" }}\nparameters = {{ \"path.id\" = \"{}\", \"path.name\" = \"{USER_AGENT}\" }}\n",
        targets.access_token, targets.conversation
    ));
    // Refreshing and signing out take a refresh token in the body, which no generated request can know: every one
    // of theirs is rightly refused with 401, which is not a credential that failed to work.
    config.push_str(concat!(
        "[[operations]]\ninclude-path-regex = \"^/api/auth/(refresh|logout)$\"\n",
        "warnings = { fail-on = [\"rate_limited\", \"base_url_mismatch\"] }\n",
    ));
    config
}

/// The model the agents name, served by the mock upstream (the repository's `ares.toml` names it).
const MODEL: &str = "llama-3.3-70b";
/// The calling tenant's agent that the V1 agent routes run.
const AGENT: &str = "contract-agent";
/// The other tenant's agent that the Admin agent routes change and delete.
const VICTIM_AGENT: &str = "victim-agent";
/// The signed-in user's agent that the user-agent routes change and delete.
const USER_AGENT: &str = "contract-user-agent";
/// A provider defined through the API, for the provider routes to change, disable and delete.
const PROVIDER: &str = "contract-provider";

/// The resources the path parameters name: another tenant than the caller's (its tier may change, its keys and
/// agents come and go), and a spare key of the caller's to revoke.
struct Targets {
    tenant: String,
    spare_key: String,
    /// A signed-in user's access token (enterprise tier), one of their conversations, and their agent.
    access_token: String,
    conversation: String,
}

/// Provisions the calling tenant (its key is returned), its agent and spare key, the other tenant and its agent,
/// and a provider of the API's own on the mock upstream.
async fn resources(app: &TestApp, upstream: &str) -> (String, Targets) {
    let caller = app.provision("contract-corp", "enterprise", "kasino").await;
    let victim = app.provision("victim-corp", "enterprise", "kasino").await;
    let key = caller["raw_api_key"].as_str().unwrap().to_owned();
    let agent = |name: &str| json!({"name": name, "config": {"model": MODEL, "system_prompt": "Be brief."}});
    for (tenant, name) in [(&caller, AGENT), (&victim, VICTIM_AGENT)] {
        let path = format!("/api/admin/tenants/{}/agents", tenant["tenant_id"].as_str().unwrap());
        let (status, body) = app.admin_call(Method::POST, &path, Some(agent(name))).await;
        assert_eq!(status, 201, "{body}");
    }
    let spare = app.client_request(&key, Method::POST, "/v1/api-keys").json(&json!({"name": "spare"}));
    let (status, spare) = status_and_json(spare.send().await.unwrap()).await;
    assert_eq!(status, 201, "{spare}");
    let provider = json!({"id": PROVIDER, "type": "openai", "base_url": format!("{upstream}/v1"), "api_key": "sk-test",
                          "models": [{"id": "contract-model"}]});
    let (status, body) = app.admin_call(Method::POST, "/api/admin/providers", Some(provider)).await;
    assert_eq!(status, 201, "{body}");
    let (access_token, conversation) = signed_in_user(app).await;
    let targets = Targets {
        tenant: victim["tenant_id"].as_str().unwrap().to_owned(),
        spare_key: spare["key"].as_str().unwrap().to_owned(),
        access_token,
        conversation,
    };
    (key, targets)
}

/// Registers a user on the enterprise tier, signs them in, and gives them a conversation and an agent: their
/// access token and the conversation's id.
async fn signed_in_user(app: &TestApp) -> (String, String) {
    let post = |path: &str, body: serde_json::Value| app.request(Method::POST, path).json(&body).send();
    let credentials = json!({"email": "contract@example.com", "password": "contract-password", "name": "Contract"});
    let (status, registered) = status_and_json(post("/api/auth/register", credentials.clone()).await.unwrap()).await;
    assert_eq!(status, 201, "{registered}");
    let user = format!("/api/admin/users/{}", registered["user_id"].as_str().unwrap());
    let (status, body) = app.admin_call(Method::PUT, &user, Some(json!({"tier": "enterprise"}))).await;
    assert_eq!(status, 200, "{body}");
    let (status, tokens) = status_and_json(post("/api/auth/login", credentials).await.unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let signed_in =
        |path: &str, body: serde_json::Value| app.request(Method::POST, path).bearer_auth(&token).json(&body).send();
    let agent = json!({"name": USER_AGENT, "model": MODEL, "system_prompt": "Be brief.", "tools": []});
    let (status, body) = status_and_json(signed_in("/api/user/agents", agent).await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let (status, chat) = status_and_json(signed_in("/api/chat", json!({"message": "Hello"})).await.unwrap()).await;
    assert_eq!(status, 200, "{chat}");
    (token.clone(), chat["context_id"].as_str().unwrap().to_owned())
}

/// A streamed answer: `chat.completion.chunk` events, the usage chunk, then `[DONE]`.
const STREAM: &str = concat!(
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.3-70b-versatile\",",
    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.3-70b-versatile\",",
    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Contract\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.3-70b-versatile\",",
    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" kept.\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.3-70b-versatile\",",
    "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.3-70b-versatile\",",
    "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\n\n",
    "data: [DONE]\n\n",
);

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_keeps_its_contract_under_fuzzing() {
    let upstream = MockUpstream::respond(model).await;
    let config = config_with_upstream(upstream.url(), "");
    // Generated sign-ins fail by the hundred from one address: the throttle would answer them all 429.
    let unthrottled =
        [("ARES__AUTH__MAX_FAILED_LOGINS", "100000"), ("ARES__AUTH__MAX_FAILED_LOGINS_PER_ADDRESS", "100000")];
    let env: Vec<(&str, &str)> = PROVIDER_KEYS.iter().chain(&unthrottled).copied().collect();
    let app = TestApp::spawn_configured(Backend::Sqlite, &config, &env).await;
    let (key, targets) = resources(&app, upstream.url()).await;
    let key = key.as_str();
    let operations = documented_operations(&app).await;

    let (passed, report) = schemathesis(&app.address, &schemathesis_config(key, &targets)).await;
    println!("{report}"); // with `-- --nocapture`: the summary and the warnings of a run that passed
    assert!(passed, "schemathesis found answers that break GET /openapi.json's contract:\n{report}");
    assert!(
        report.contains(&format!("Tested: {operations}\n")),
        "schemathesis did not test all {operations} operations of the document:\n{report}"
    );
    let usage = app.client_request(key, Method::GET, "/v1/usage").send().await.unwrap();
    let (status, usage) = status_and_json(usage).await;
    assert_eq!(status, 200, "{usage}");
    assert!(usage["total_api_calls"].as_u64().unwrap() > 1, "the fuzzed V1 requests were the tenant's: {usage}");
    assert!(!upstream.received().is_empty(), "no fuzzed chat reached the model:\n{report}");
}

/// The mock model: a model list for `GET .../models`, else a chat completion, streamed when the request asks.
fn model(request: &Recorded) -> Reply {
    if request.method == "GET" {
        let list = json!({"object": "list", "data": [{"id": "contract-model", "object": "model"}]});
        return Reply::json(200, &list);
    }
    if request.body["stream"] == true {
        return Reply::stream("text/event-stream", STREAM, 64);
    }
    Reply::json(200, &completion("Contract kept.", 12, 3))
}

/// How many operations of `GET /openapi.json` schemathesis tests; the document is OpenAPI 3.1.
async fn documented_operations(app: &TestApp) -> usize {
    let document = openapi_document(app).await;
    let version = document["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "an OpenAPI 3.1 document, not {version:?}");
    let count = openapi_operations(&document).len();
    assert!(count > 0, "the document has no operations");
    // Schemathesis leaves out the operation it loads the document from, `GET /openapi.json`.
    count - 1
}

/// Runs schemathesis against the server at `address` with `config` (which holds the credentials); whether it
/// passed, and its whole output (a failure names the operation, the check, the response and a `curl` to replay).
async fn schemathesis(address: &str, config: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schemathesis.toml"), config).unwrap();
    let mut command = schemathesis_command(dir.path(), address);
    let output = tokio::time::timeout(DEADLINE, command.output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {DEADLINE:?}"))
        .unwrap_or_else(|error| panic!("running `python3 -m schemathesis.cli` (pip install schemathesis): {error}"));
    (output.status.success(), report(&output))
}

/// The schemathesis command line, run in `dir` (its caches go there, not into the repository):
/// - `--url`: the server, whatever `servers` the document names;
/// - no `--header`: the credentials are in the configuration (the admin secret and the key on every request, a
///   user's access token on the user's routes), where an operation may have its own; the `ignored_auth` check
///   removes them or spoils them itself to see them refused;
/// - `--phases`: the document's examples, the boundary values, then the seeded generation; not the stateful phase,
///   whose chains of calls would disable and delete the providers and keys the rest relies on, and whose length
///   is unbounded;
/// - `--max-examples`, `--seed`: a fixed amount of generation, the same every run (no `--max-time`: that is a budget
///   the fuzzing repeats to fill, not a limit);
/// - `--workers 1`: with 2, the coverage phase crashed in a trial (a CPython 3.11 thread-safety error), and the
///   server shares the test's cores anyway;
/// - `--request-timeout`: a request the server never answers fails the run instead of hanging it;
/// - `--suppress-health-check too_slow`: Hypothesis's timing of its own generation, which a busy CI host trips;
/// - `--generation-database none`: no example database kept between runs, so every run is the same.
fn schemathesis_command(dir: &Path, address: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("python3");
    command
        .args(["-m", "schemathesis.cli", "--config-file", "schemathesis.toml", "run"])
        .arg(format!("{address}/openapi.json"))
        .args(["--url", address])
        .args(["--phases", "examples,coverage,fuzzing", "--checks", CHECKS])
        .args(["--max-examples", EXAMPLES_PER_OPERATION, "--seed", SEED, "--workers", "1"])
        .args(["--request-timeout", "30", "--suppress-health-check", "too_slow"])
        .args(["--generation-database", "none", "--no-color"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// A run's exit status, stdout and stderr, for the test's failure message.
fn report(output: &Output) -> String {
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    format!("schemathesis exited with {}\n{stdout}\n{stderr}", output.status)
}
