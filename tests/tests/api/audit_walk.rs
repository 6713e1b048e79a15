//! Every route that changes something writes exactly one entry to the audit log, naming what it did and who did it,
//! and no secret a request carried or an answer showed ever reaches the log. The routes are read from the OpenAPI
//! document, so a new mutating route fails here until it has an audit scenario (or is metered client work).

use std::collections::BTreeSet;
use std::time::Duration;

use ares_domain::KeyHash;
use ares_llm::testing::{MockUpstream, Reply};
use ares_store::Backend;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::fixture::Client;
use crate::helpers::{ADMIN_SECRET, ENCRYPTION_KEY, TestApp, openapi_document, openapi_operations, status_and_json};

with_each_backend!(every_mutating_route_writes_exactly_one_audit_entry_with_no_secret_in_it);

/// The methods of the operations that change something.
const MUTATING: [&str; 4] = ["POST", "PUT", "PATCH", "DELETE"];

/// Metered work (a tenant's or a user's), signing in and out, and a user's own conversations and memory: they
/// change no configuration, so they are not audited.
const EXEMPT: [&str; 12] = [
    "POST /v1/agents/{name}/run",
    "POST /v1/chat",
    "POST /v1/chat/stream",
    "POST /v1/chat/completions",
    "POST /api/auth/login",
    "POST /api/auth/refresh",
    "POST /api/auth/logout",
    "POST /api/chat",
    "POST /api/chat/stream",
    "PUT /api/conversations/{id}",
    "DELETE /api/conversations/{id}",
    "DELETE /api/memory/{id}",
];

/// Every other mutating operation, and the action of the one audit entry it writes. `prepare` sets each one up.
const SCENARIOS: [(&str, &str); 23] = [
    ("POST /api/admin/tenants", "tenant.created"),
    ("PUT /api/admin/tenants/{id}/quota", "tenant.tier_changed"),
    ("POST /api/admin/provision-client", "tenant.provisioned"),
    ("POST /api/admin/tenants/{id}/api-keys", "api_key.created"),
    ("DELETE /api/admin/tenants/{id}/api-keys/{key_id}", "api_key.revoked"),
    ("POST /api/admin/tenants/{id}/agents", "agent.created"),
    ("PUT /api/admin/tenants/{id}/agents/{name}", "agent.updated"),
    ("DELETE /api/admin/tenants/{id}/agents/{name}", "agent.deleted"),
    ("POST /api/admin/providers", "provider.created"),
    ("PUT /api/admin/providers/{id}", "provider.updated"),
    ("DELETE /api/admin/providers/{id}", "provider.deleted"),
    ("POST /api/admin/providers/{id}/enable", "provider.enabled"),
    ("POST /api/admin/providers/{id}/disable", "provider.disabled"),
    ("POST /api/admin/providers/{id}/models/refresh", "provider.models_refreshed"),
    ("POST /api/admin/alerts/{id}/resolve", "alert.resolved"),
    ("POST /v1/api-keys", "api_key.created"),
    ("DELETE /v1/api-keys/{id}", "api_key.revoked"),
    ("POST /api/auth/register", "user.registered"),
    ("PUT /api/admin/users/{id}", "user.updated"),
    ("POST /api/user/agents", "user_agent.created"),
    ("PUT /api/user/agents/{name}", "user_agent.updated"),
    ("DELETE /api/user/agents/{name}", "user_agent.deleted"),
    ("POST /api/user/agents/import", "user_agent.created"),
];

/// The one request a scenario walks, once it has set up what it needs.
struct Call {
    request: RequestBuilder,
    /// The success status it must answer.
    status: u16,
    /// Who its audit entry must name: `admin`, the calling key's prefix, or `usr_` for the user it registers.
    actor: String,
}

/// A server walked route by route, and every secret the walk saw.
struct Walk {
    client: Client,
    /// An upstream that lists one model, for the providers the walk defines.
    listing: MockUpstream,
    /// Raw API keys shown in answers.
    keys: Vec<String>,
    /// Provider credentials and users' access tokens sent.
    secrets: Vec<String>,
    /// Names made so far, to make each one new.
    made: usize,
}

impl Walk {
    async fn start(backend: Backend) -> Walk {
        // A free tenant's second request of the day is refused, raising an alert to resolve.
        let env = [("ARES__TIERS__FREE__DAILY_REQUESTS", "1"), ("ARES__AUTH__USER_TIER", "pro")];
        let client = Client::start_with_env(backend, vec![], "", &env).await;
        let models = json!({"object": "list", "data": [{"id": "qwen-72b", "object": "model"}]});
        let listing = MockUpstream::start(vec![Reply::json(200, &models)]).await;
        Walk { client, listing, keys: Vec::new(), secrets: Vec::new(), made: 0 }
    }

    fn app(&self) -> &TestApp {
        &self.client.app
    }

    /// A new name: `walk-<what>-<n>`.
    fn name(&mut self, what: &str) -> String {
        self.made += 1;
        format!("walk-{what}-{}", self.made)
    }

    /// Keeps the raw keys an answer shows.
    fn keep_keys(&mut self, body: &Value) {
        for field in ["raw_api_key", "raw_key", "secret"] {
            if let Some(raw) = body[field].as_str().filter(|raw| raw.starts_with("ares_")) {
                self.keys.push(raw.to_owned());
            }
        }
    }

    /// A provider credential, kept to look for in the log.
    fn secret(&mut self, provider: &str, what: &str) -> String {
        let secret = format!("sk-live-{provider}-{what}-do-not-leak");
        self.secrets.push(secret.clone());
        secret
    }

    /// An admin call made to set up a scenario, which must answer `status`; its body, whose raw keys are kept.
    async fn admin_expect(&mut self, method: Method, path: &str, body: Option<Value>, status: u16) -> Value {
        let (got, answer) = self.app().admin_call(method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        self.keep_keys(&answer);
        answer
    }

    /// A client call made to set up a scenario, which must answer `status`; its body, whose raw keys are kept.
    async fn client_expect(
        &mut self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, answer) = self.client.call(key, method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        self.keep_keys(&answer);
        answer
    }

    /// Provisions a kasino tenant on `tier`: its id and raw key.
    async fn tenant(&mut self, tier: &str) -> (String, String) {
        let name = self.name("tenant");
        let body = json!({"name": name, "tier": tier, "product_type": "kasino", "api_key_name": "production"});
        let provisioned = self.admin_expect(Method::POST, "/api/admin/provision-client", Some(body), 201).await;
        (text(&provisioned["tenant_id"]), text(&provisioned["raw_api_key"]))
    }

    /// A bare tenant's path, `/api/admin/tenants/<id>`.
    async fn bare_tenant(&mut self) -> String {
        let body = json!({"name": self.name("tenant"), "tier": "dev"});
        let created = self.admin_expect(Method::POST, "/api/admin/tenants", Some(body), 201).await;
        format!("/api/admin/tenants/{}", text(&created["id"]))
    }

    /// The path of a tenant's agent `helper`, made for the scenario.
    async fn helper_agent(&mut self) -> String {
        let tenant = self.bare_tenant().await;
        let agent = json!({"name": "helper", "config": {"model": "fast"}});
        self.admin_expect(Method::POST, &format!("{tenant}/agents"), Some(agent), 201).await;
        format!("{tenant}/agents/helper")
    }

    /// The body defining a new provider over the API, with a credential of its own, calling the listing upstream.
    fn provider_body(&mut self) -> Value {
        let id = self.name("provider");
        let api_key = self.secret(&id, "key");
        json!({"id": id, "type": "openai", "base_url": format!("{}/v1", self.listing.url()), "api_key": api_key})
    }

    /// The path of a provider defined over the API for the scenario, `/api/admin/providers/<id>`.
    async fn provider(&mut self) -> String {
        let body = self.provider_body();
        let id = text(&body["id"]);
        self.admin_expect(Method::POST, "/api/admin/providers", Some(body), 201).await;
        format!("/api/admin/providers/{id}")
    }

    /// An open alert, about a free tenant refused by its daily request limit: its id.
    async fn alert(&mut self) -> String {
        let (tenant, key) = self.tenant("free").await;
        self.client_expect(&key, Method::GET, "/v1/agents", None, 200).await;
        self.client_expect(&key, Method::GET, "/v1/agents", None, 429).await;
        // Alerts are raised in the background.
        for _ in 0..50 {
            let listed = self.admin_expect(Method::GET, "/api/admin/alerts?limit=1000", None, 200).await;
            let alerts = listed["alerts"].as_array().unwrap();
            let open = alerts.iter().find(|alert| alert["tenant_id"] == tenant.as_str() && alert["resolved"] == false);
            if let Some(alert) = open {
                return text(&alert["id"]);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no alert was raised about the tenant refused by its daily request limit");
    }

    /// The walked request, by the admin.
    fn by_admin(&self, method: Method, path: &str, body: Option<Value>, status: u16) -> Call {
        let request = self.app().admin(method, path);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        Call { request, status, actor: "admin".to_owned() }
    }

    /// The walked request, by a tenant's key.
    fn by_key(&self, key: &str, method: Method, path: &str, body: Option<Value>, status: u16) -> Call {
        let request = self.app().client_request(key, method, path);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        Call { request, status, actor: key[..9].to_owned() }
    }

    /// A user registered and signed in through the API for the scenario: their id and access token (kept, to look
    /// for in the log).
    async fn user(&mut self) -> (String, String) {
        let email = format!("{}@example.com", self.name("user"));
        let body = json!({"email": email, "password": "a-password", "name": "U"});
        let (status, registered) =
            status_and_json(self.app().request(Method::POST, "/api/auth/register").json(&body).send().await.unwrap())
                .await;
        assert_eq!(status, 201, "{registered}");
        let body = json!({"email": email, "password": "a-password"});
        let (status, tokens) =
            status_and_json(self.app().request(Method::POST, "/api/auth/login").json(&body).send().await.unwrap())
                .await;
        assert_eq!(status, 200, "{tokens}");
        let token = text(&tokens["access_token"]);
        self.secrets.push(token.clone());
        (text(&registered["user_id"]), token)
    }

    /// A signed-in user with an agent of their own: their id, access token and the agent's path.
    async fn user_agent(&mut self) -> (String, String, String) {
        let (user, token) = self.user().await;
        let body = user_agent_body("walk-user-agent");
        let request = self.app().client_request(&token, Method::POST, "/api/user/agents").json(&body);
        let (status, created) = status_and_json(request.send().await.unwrap()).await;
        assert_eq!(status, 201, "{created}");
        (user, token, "/api/user/agents/walk-user-agent".to_owned())
    }

    /// The walked request, by a signed-in user (their access token); their id must be the entry's actor.
    fn by_user(&self, user: &str, token: &str, method: Method, path: &str, body: Option<Value>, status: u16) -> Call {
        let request = self.app().client_request(token, method, path);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        Call { request, status, actor: user.to_owned() }
    }
}

/// A user agent's body: a model and a tool the default configuration serves.
fn user_agent_body(name: &str) -> Value {
    json!({"name": name, "model": "llama-3.3-70b-versatile", "system_prompt": "Review code.", "tools": ["calculator"]})
}

/// A JSON string, owned.
fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}")).to_owned()
}

/// Sets up what the scenario of `operation` needs; the one request it walks.
async fn prepare(walk: &mut Walk, operation: &str) -> Call {
    match operation {
        "POST /api/admin/tenants" => {
            let body = json!({"name": walk.name("tenant"), "tier": "dev"});
            walk.by_admin(Method::POST, "/api/admin/tenants", Some(body), 201)
        }
        "PUT /api/admin/tenants/{id}/quota" => {
            let (tenant, _) = walk.tenant("pro").await;
            let path = format!("/api/admin/tenants/{tenant}/quota");
            walk.by_admin(Method::PUT, &path, Some(json!({"tier": "enterprise"})), 200)
        }
        "POST /api/admin/provision-client" => {
            let name = walk.name("tenant");
            let body = json!({"name": name, "tier": "pro", "product_type": "kasino", "api_key_name": "production"});
            walk.by_admin(Method::POST, "/api/admin/provision-client", Some(body), 201)
        }
        "POST /api/admin/tenants/{id}/api-keys" => {
            let tenant = walk.bare_tenant().await;
            walk.by_admin(Method::POST, &format!("{tenant}/api-keys"), Some(json!({"name": "ci"})), 201)
        }
        "DELETE /api/admin/tenants/{id}/api-keys/{key_id}" => {
            let tenant = walk.bare_tenant().await;
            let keys = format!("{tenant}/api-keys");
            let issued = walk.admin_expect(Method::POST, &keys, Some(json!({"name": "ci"})), 201).await;
            walk.by_admin(Method::DELETE, &format!("{keys}/{}", text(&issued["id"])), None, 204)
        }
        "POST /api/admin/tenants/{id}/agents" => {
            let tenant = walk.bare_tenant().await;
            let agent = json!({"name": "helper", "config": {"model": "fast"}});
            walk.by_admin(Method::POST, &format!("{tenant}/agents"), Some(agent), 201)
        }
        "PUT /api/admin/tenants/{id}/agents/{name}" => {
            let agent = walk.helper_agent().await;
            walk.by_admin(Method::PUT, &agent, Some(json!({"status": "disabled"})), 200)
        }
        "DELETE /api/admin/tenants/{id}/agents/{name}" => {
            let agent = walk.helper_agent().await;
            walk.by_admin(Method::DELETE, &agent, None, 204)
        }
        "POST /api/admin/providers" => {
            let body = walk.provider_body();
            walk.by_admin(Method::POST, "/api/admin/providers", Some(body), 201)
        }
        "PUT /api/admin/providers/{id}" => {
            let provider = walk.provider().await;
            let rotated = walk.secret(provider.rsplit('/').next().unwrap(), "rotated");
            walk.by_admin(Method::PUT, &provider, Some(json!({"api_key": rotated})), 200)
        }
        "DELETE /api/admin/providers/{id}" => {
            let provider = walk.provider().await;
            walk.by_admin(Method::DELETE, &provider, None, 204)
        }
        "POST /api/admin/providers/{id}/enable" => {
            let provider = walk.provider().await;
            walk.admin_expect(Method::POST, &format!("{provider}/disable"), None, 200).await;
            walk.by_admin(Method::POST, &format!("{provider}/enable"), None, 200)
        }
        "POST /api/admin/providers/{id}/disable" => {
            let provider = walk.provider().await;
            walk.by_admin(Method::POST, &format!("{provider}/disable"), None, 200)
        }
        "POST /api/admin/providers/{id}/models/refresh" => {
            let provider = walk.provider().await;
            walk.by_admin(Method::POST, &format!("{provider}/models/refresh"), None, 200)
        }
        "POST /api/admin/alerts/{id}/resolve" => {
            let alert = walk.alert().await;
            walk.by_admin(Method::POST, &format!("/api/admin/alerts/{alert}/resolve"), None, 200)
        }
        "POST /v1/api-keys" => {
            let (_, key) = walk.tenant("pro").await;
            walk.by_key(&key, Method::POST, "/v1/api-keys", Some(json!({"name": "mobile"})), 201)
        }
        "DELETE /v1/api-keys/{id}" => {
            let (_, key) = walk.tenant("pro").await;
            let body = Some(json!({"name": "mobile"}));
            let created = walk.client_expect(&key, Method::POST, "/v1/api-keys", body, 201).await;
            walk.by_key(&key, Method::DELETE, &format!("/v1/api-keys/{}", text(&created["key"])), None, 204)
        }
        "POST /api/auth/register" => {
            let body =
                json!({"email": format!("{}@example.com", walk.name("user")), "password": "a-password", "name": "U"});
            let request = walk.app().request(Method::POST, "/api/auth/register").json(&body);
            Call { request, status: 201, actor: "usr_".to_owned() }
        }
        "PUT /api/admin/users/{id}" => {
            let body =
                json!({"email": format!("{}@example.com", walk.name("user")), "password": "a-password", "name": "U"});
            let (status, user) = status_and_json(
                walk.app().request(Method::POST, "/api/auth/register").json(&body).send().await.unwrap(),
            )
            .await;
            assert_eq!(status, 201, "{user}");
            let path = format!("/api/admin/users/{}", text(&user["user_id"]));
            walk.by_admin(Method::PUT, &path, Some(json!({"tier": "enterprise"})), 200)
        }
        "POST /api/user/agents" => {
            let (user, token) = walk.user().await;
            walk.by_user(&user, &token, Method::POST, "/api/user/agents", Some(user_agent_body("reviewer")), 201)
        }
        "PUT /api/user/agents/{name}" => {
            let (user, token, agent) = walk.user_agent().await;
            walk.by_user(&user, &token, Method::PUT, &agent, Some(json!({"system_prompt": "Review Rust."})), 200)
        }
        "DELETE /api/user/agents/{name}" => {
            let (user, token, agent) = walk.user_agent().await;
            walk.by_user(&user, &token, Method::DELETE, &agent, None, 204)
        }
        "POST /api/user/agents/import" => {
            let (user, token) = walk.user().await;
            let document = "name: imported\nmodel: llama-3.3-70b-versatile\ntools[1]: calculator";
            let request = walk
                .app()
                .client_request(&token, Method::POST, "/api/user/agents/import")
                .header("Content-Type", "text/x-toon")
                .body(document);
            Call { request, status: 201, actor: user }
        }
        _ => panic!("no scenario sets up {operation}"),
    }
}

/// The whole audit log, newest first.
async fn audit_log(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.admin_call(Method::GET, "/api/admin/audit-log?limit=1000", None).await;
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().unwrap().clone()
}

/// Sets up `operation`, sends its one request and checks that it wrote exactly one audit entry: `action`, by the
/// scenario's actor.
async fn walk_through(walk: &mut Walk, operation: &str, action: &str) {
    let call = prepare(walk, operation).await;
    let before: BTreeSet<String> = audit_log(walk.app()).await.iter().map(|entry| text(&entry["id"])).collect();
    let (status, body) = status_and_json(call.request.send().await.unwrap()).await;
    assert_eq!(status, call.status, "{operation}: {body}");
    walk.keep_keys(&body);
    let entries = audit_log(walk.app()).await;
    let new: Vec<&Value> = entries.iter().filter(|entry| !before.contains(&text(&entry["id"]))).collect();
    assert_eq!(new.len(), 1, "{operation} must write exactly one audit entry: {new:?}");
    assert_eq!(new[0]["action"], json!(action), "{operation}: {}", new[0]);
    let actor = text(&new[0]["actor"]);
    let registered = call.actor == "usr_" && body["user_id"] == json!(actor);
    assert!(actor == call.actor || registered, "{operation}: {}", new[0]);
}

async fn every_mutating_route_writes_exactly_one_audit_entry_with_no_secret_in_it(backend: Backend) {
    let mut walk = Walk::start(backend).await;
    let document = openapi_document(walk.app()).await;
    let mutating: BTreeSet<String> = openapi_operations(&document)
        .into_iter()
        .filter(|(method, _, _)| MUTATING.contains(&method.as_str()))
        .map(|(method, path, _)| format!("{method} {path}"))
        .collect();
    let walked: Vec<&str> = SCENARIOS.iter().map(|(operation, _)| *operation).collect();
    let unexplained: Vec<&String> =
        mutating.iter().filter(|op| !EXEMPT.contains(&op.as_str()) && !walked.contains(&op.as_str())).collect();
    assert!(unexplained.is_empty(), "a new mutating route without an audit scenario: {unexplained:?}");
    let gone: Vec<&str> = walked.iter().chain(&EXEMPT).copied().filter(|op| !mutating.contains(*op)).collect();
    assert!(gone.is_empty(), "the table names operations the document no longer has: {gone:?}");

    for (operation, action) in SCENARIOS {
        walk_through(&mut walk, operation, action).await;
    }

    let response = walk.app().admin(Method::GET, "/api/admin/audit-log?limit=1000").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let log = response.text().await.unwrap();
    let lowercase = log.to_lowercase();
    assert!(!walk.keys.is_empty() && !walk.secrets.is_empty(), "the walk saw keys and credentials");
    for raw in &walk.keys {
        assert!(!log.contains(raw.as_str()), "a raw key leaked: {log}");
        assert!(!log.contains(&raw[9..]), "the secret part of a key leaked: {log}");
        let hash = KeyHash::of(raw).as_ref().to_lowercase();
        assert!(!lowercase.contains(&hash), "a key's hash leaked: {log}");
    }
    for secret in walk.secrets.iter().map(String::as_str).chain([ADMIN_SECRET, ENCRYPTION_KEY, "enc:v1:"]) {
        assert!(!log.contains(secret), "{secret} leaked: {log}");
    }
}
