//! End users' own agents over HTTP: the docs' create and update examples in both body forms, TOON import and
//! export, validation against the models and tools the platform serves, and isolation between users, on both
//! databases.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error, status_and_json};

with_each_backend!(
    a_user_creates_reads_lists_updates_and_deletes_an_agent,
    agents_with_unknown_models_or_tools_or_taken_names_are_refused,
    agents_import_from_toon_and_export_as_they_were_imported,
    a_user_never_reaches_another_users_agents,
    every_route_takes_an_access_token
);

/// The docs' create example.
fn code_reviewer() -> Value {
    json!({
        "name": "code-reviewer",
        "model": "llama-3.3-70b-versatile",
        "system_prompt": "You are an expert code reviewer. Analyze code for bugs, security issues, and style problems. Be concise and actionable.",
        "tools": ["calculator"]
    })
}

/// The guide's create example, with a model the default configuration serves.
fn my_analyst() -> Value {
    json!({
        "name": "my-analyst",
        "agent_type": "analyst",
        "config": {
            "model": "llama-3.3-70b",
            "system_prompt": "You are a senior financial analyst...",
            "tools": ["calculator"],
            "max_tokens": 4096
        }
    })
}

/// An agent definition, as an export writes it.
const SUPPORT_AGENT: &str = "\
name: support-agent
agent_type: support
model: llama-3.3-70b
system_prompt: \"You help customers.\\nBe brief, and kind.\"
tools[1]: web_search
max_tokens: 2048
temperature: 0.7
role: Customer Support Specialist
personality: \"Professional, empathetic, solution-oriented\"
knowledge[3]: product documentation,pricing plans,common issues
constraints[2]: Never make up information about products,Escalate billing disputes to human agents";

/// A signed-in user of `app`: registers `email` and signs in; the access token.
async fn sign_in(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "your-secure-password", "name": "Jane Developer"});
    let (status, registered) =
        status_and_json(app.request(Method::POST, "/api/auth/register").json(&body).send().await.unwrap()).await;
    assert_eq!(status, 201, "{registered}");
    let body = json!({"email": email, "password": "your-secure-password"});
    let (status, tokens) =
        status_and_json(app.request(Method::POST, "/api/auth/login").json(&body).send().await.unwrap()).await;
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// A call with `token`, and `body` as JSON if any: its status and JSON body.
async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let request = app.client_request(token, method, path);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    status_and_json(request.send().await.unwrap()).await
}

/// An import of `document` sent as `content_type`: its status and JSON body.
async fn import(app: &TestApp, token: &str, content_type: &str, document: &str) -> (u16, Value) {
    let request = app
        .client_request(token, Method::POST, "/api/user/agents/import")
        .header("Content-Type", content_type)
        .body(document.to_owned());
    status_and_json(request.send().await.unwrap()).await
}

/// The export of the agent `name`: status, content type, content disposition and body.
async fn export(app: &TestApp, token: &str, name: &str) -> (u16, String, String, String) {
    let path = format!("/api/user/agents/{name}/export");
    let response = app.client_request(token, Method::GET, &path).send().await.unwrap();
    let header =
        |name: &str| response.headers().get(name).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default();
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    (response.status().as_u16(), content_type, disposition, response.text().await.unwrap())
}

/// A view without its timestamps, to compare agents made at different times.
fn timeless(mut view: Value) -> Value {
    let object = view.as_object_mut().unwrap();
    assert!(object.remove("created_at").is_some_and(|at| at.as_str().unwrap().ends_with('Z')), "{object:?}");
    assert!(object.remove("updated_at").is_some(), "{object:?}");
    view
}

async fn a_user_creates_reads_lists_updates_and_deletes_an_agent(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let token = sign_in(&app, "developer@example.com").await;
    let (status, created) = call(&app, &token, Method::POST, "/api/user/agents", Some(code_reviewer())).await;
    assert_eq!(status, 201, "{created}");
    let mut expected = code_reviewer();
    for field in ["agent_type", "max_tokens", "temperature", "role", "personality"] {
        expected[field] = Value::Null;
    }
    expected["knowledge"] = json!([]);
    expected["constraints"] = json!([]);
    assert_eq!(timeless(created.clone()), expected);
    let (status, got) = call(&app, &token, Method::GET, "/api/user/agents/code-reviewer", None).await;
    assert_eq!((status, &got), (200, &created));

    let (status, analyst) = call(&app, &token, Method::POST, "/api/user/agents", Some(my_analyst())).await;
    assert_eq!(status, 201, "{analyst}");
    assert_eq!((&analyst["agent_type"], &analyst["model"]), (&json!("analyst"), &json!("llama-3.3-70b")));
    assert_eq!((&analyst["max_tokens"], &analyst["tools"]), (&json!(4096), &json!(["calculator"])));
    let (status, listed) = call(&app, &token, Method::GET, "/api/user/agents", None).await;
    assert_eq!((status, listed), (200, json!([created, analyst])));

    // The docs' update example names a model this configuration does not serve.
    let update = json!({
        "model": "deepseek-r1-distill-llama-70b",
        "system_prompt": "You are a senior code reviewer specializing in Rust and TypeScript.",
        "tools": ["calculator", "web_search"]
    });
    let path = "/api/user/agents/code-reviewer";
    let (status, refused) = call(&app, &token, Method::PUT, path, Some(update.clone())).await;
    assert_eq!((status, refused), (422, error("Unknown model: 'deepseek-r1-distill-llama-70b'", "VALIDATION_ERROR")));
    let mut served = update;
    served["model"] = json!("deepseek-v3.2");
    let (status, updated) = call(&app, &token, Method::PUT, path, Some(served.clone())).await;
    assert_eq!(status, 200, "{updated}");
    for field in ["model", "system_prompt", "tools"] {
        assert_eq!(updated[field], served[field], "{field}");
    }
    assert_eq!(updated["created_at"], created["created_at"]);
    // The nested form, one field: the others stay.
    let nested = json!({"config": {"max_tokens": 1024}, "agent_type": "reviewer"});
    let (status, updated) = call(&app, &token, Method::PUT, path, Some(nested)).await;
    assert_eq!((status, &updated["max_tokens"], &updated["agent_type"]), (200, &json!(1024), &json!("reviewer")));
    assert_eq!(updated["model"], "deepseek-v3.2");
    let (_, got) = call(&app, &token, Method::GET, path, None).await;
    assert_eq!(got, updated);

    let (status, body) = call(&app, &token, Method::DELETE, path, None).await;
    assert_eq!((status, body), (204, Value::Null));
    let not_found = error("Agent not found: code-reviewer", "NOT_FOUND");
    let (status, body) = call(&app, &token, Method::GET, path, None).await;
    assert_eq!((status, body), (404, not_found.clone()));
    let (status, body) = call(&app, &token, Method::DELETE, path, None).await;
    assert_eq!((status, body), (404, not_found));
    let (_, listed) = call(&app, &token, Method::GET, "/api/user/agents", None).await;
    assert_eq!(listed, json!([analyst]));
}

async fn agents_with_unknown_models_or_tools_or_taken_names_are_refused(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let token = sign_in(&app, "developer@example.com").await;
    let post = |body: Value| call(&app, &token, Method::POST, "/api/user/agents", Some(body));
    let mut abacus = code_reviewer();
    abacus["tools"] = json!(["calculator", "abacus"]);
    let (status, body) = post(abacus).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().starts_with("Unknown tool: 'abacus'. Known tools: "), "{body}");
    assert!(body["error"].as_str().unwrap().contains("calculator"), "{body}");
    let mut unknown = code_reviewer();
    unknown["model"] = json!("gpt-9");
    assert_eq!(post(unknown).await, (422, error("Unknown model: 'gpt-9'", "VALIDATION_ERROR")));
    let mut bad_name = code_reviewer();
    bad_name["name"] = json!("code reviewer");
    let (status, body) = post(bad_name).await;
    assert_eq!((status, &body["code"]), (422, &json!("VALIDATION_ERROR")), "{body}");
    let (status, body) = post(json!({"name": "no-model", "tools": []})).await;
    assert_eq!((status, body), (400, error("Missing required field: model", "BAD_REQUEST")));
    let (status, body) = post(json!({"model": "llama-3.3-70b"})).await;
    assert_eq!((status, body), (400, error("Missing required field: name", "BAD_REQUEST")));

    assert_eq!(post(code_reviewer()).await.0, 201);
    let (status, body) = post(code_reviewer()).await;
    assert_eq!((status, body), (409, error("Agent with name 'code-reviewer' already exists", "CONFLICT")));
    let (_, listed) = call(&app, &token, Method::GET, "/api/user/agents", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing refused was stored: {listed}");
}

async fn agents_import_from_toon_and_export_as_they_were_imported(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let token = sign_in(&app, "developer@example.com").await;
    let (status, imported) = import(&app, &token, "text/x-toon", SUPPORT_AGENT).await;
    assert_eq!(status, 201, "{imported}");
    assert_eq!(
        (&imported["name"], &imported["role"]),
        (&json!("support-agent"), &json!("Customer Support Specialist"))
    );
    assert_eq!(imported["knowledge"], json!(["product documentation", "pricing plans", "common issues"]));
    assert_eq!((&imported["temperature"], &imported["max_tokens"]), (&json!(0.7), &json!(2048)));
    let (status, content_type, disposition, document) = export(&app, &token, "support-agent").await;
    assert_eq!((status, content_type.as_str()), (200, "text/x-toon; charset=utf-8"));
    assert_eq!(disposition, "attachment; filename=\"support-agent.toon\"");
    assert_eq!(document, SUPPORT_AGENT);

    // Again: the name is taken.
    let (status, body) = import(&app, &token, "text/x-toon", SUPPORT_AGENT).await;
    assert_eq!((status, body), (409, error("Agent with name 'support-agent' already exists", "CONFLICT")));
    // As JSON, and as plain text, under other names.
    let renamed = SUPPORT_AGENT.replace("name: support-agent", "name: support-json");
    let body = json!({"toon": renamed}).to_string();
    let (status, from_json) = import(&app, &token, "application/json", &body).await;
    assert_eq!((status, &from_json["name"]), (201, &json!("support-json")), "{from_json}");
    assert_eq!(export(&app, &token, "support-json").await.3, renamed);
    let plain = "name: plain\nmodel: llama-3.3-70b\ntools[0]:";
    let (status, from_text) = import(&app, &token, "text/plain", plain).await;
    assert_eq!((status, &from_text["tools"]), (201, &json!([])), "{from_text}");
    assert_eq!(export(&app, &token, "plain").await.3, plain);
    // The docs' curl sends the file with a JSON content type.
    let (status, curl) = import(&app, &token, "application/json", "name: curl\nmodel: llama-3.3-70b").await;
    assert_eq!((status, &curl["name"]), (201, &json!("curl")), "{curl}");

    // Another user imports the export and has the same agent.
    let other = sign_in(&app, "second@example.com").await;
    let (status, copy) = import(&app, &other, "text/x-toon", &document).await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(timeless(copy), timeless(imported));
    assert_eq!(export(&app, &other, "support-agent").await.3, SUPPORT_AGENT);

    let (status, body) = import(&app, &token, "text/x-toon", "name: broken\nmodel: llama-3.3-70b\ntools[2]: x").await;
    assert_eq!((status, body), (400, error("Invalid TOON at line 3: array declares 2 items, found 1", "BAD_REQUEST")));
    let (status, body) = import(&app, &token, "text/x-toon", "name: no-model").await;
    assert_eq!((status, &body["code"]), (422, &json!("VALIDATION_ERROR")), "{body}");
    let (status, body) = import(&app, &token, "text/x-toon", "name: bot\nmodel: gpt-9").await;
    assert_eq!((status, body), (422, error("Unknown model: 'gpt-9'", "VALIDATION_ERROR")));
}

async fn a_user_never_reaches_another_users_agents(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = sign_in(&app, "developer@example.com").await;
    let intruder = sign_in(&app, "second@example.com").await;
    let (status, created) = call(&app, &owner, Method::POST, "/api/user/agents", Some(code_reviewer())).await;
    assert_eq!(status, 201, "{created}");
    let (status, listed) = call(&app, &intruder, Method::GET, "/api/user/agents", None).await;
    assert_eq!((status, listed), (200, json!([])));
    let path = "/api/user/agents/code-reviewer";
    let not_found = error("Agent not found: code-reviewer", "NOT_FOUND");
    for (method, body) in
        [(Method::GET, None), (Method::PUT, Some(json!({"system_prompt": "mine"}))), (Method::DELETE, None)]
    {
        let (status, answer) = call(&app, &intruder, method.clone(), path, body).await;
        assert_eq!((status, answer), (404, not_found.clone()), "{method}");
    }
    let (status, _, _, body) = export(&app, &intruder, "code-reviewer").await;
    assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()), (404, not_found));
    // The intruder may have an agent of the same name: names are per user.
    let (status, _) = call(&app, &intruder, Method::POST, "/api/user/agents", Some(code_reviewer())).await;
    assert_eq!(status, 201);
    let (status, got) = call(&app, &owner, Method::GET, path, None).await;
    assert_eq!((status, got), (200, created));
}

async fn every_route_takes_an_access_token(backend: ares_store::Backend) {
    let app = TestApp::spawn(backend).await;
    let routes = [
        (Method::GET, "/api/user/agents"),
        (Method::POST, "/api/user/agents"),
        (Method::GET, "/api/user/agents/code-reviewer"),
        (Method::PUT, "/api/user/agents/code-reviewer"),
        (Method::DELETE, "/api/user/agents/code-reviewer"),
        (Method::POST, "/api/user/agents/import"),
        (Method::GET, "/api/user/agents/code-reviewer/export"),
    ];
    let invalid = error("Invalid or expired token", "AUTH_INVALID_TOKEN");
    for (method, path) in routes {
        let response = app.request(method.clone(), path).json(&code_reviewer()).send().await.unwrap();
        assert_eq!(status_and_json(response).await, (401, invalid.clone()), "{method} {path}");
        let (status, body) = call(&app, "not-a-token", method.clone(), path, Some(code_reviewer())).await;
        assert_eq!((status, body), (401, invalid.clone()), "{method} {path}");
    }
}
