//! `TestApp`: a running server on its own database, and the helpers tests share.

use std::collections::HashMap;
use std::path::PathBuf;

use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use ares_application::ports::Clock;
use ares_application::usecases::ModelRouter;
pub use ares_server::testing::{PROVIDER_KEYS, config_with_upstream};
use ares_server::{Application, Settings, Sources};
use ares_store::Backend;
use ares_store::testing::TestDb;
use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub const ADMIN_SECRET: &str = "test-admin-secret-4f9c2a";
/// The key provider API keys are sealed with at rest (32 bytes, base64), as an operator sets it.
pub const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const JWT_SECRET: &str = "test-jwt-secret-that-is-long-enough-1234";

/// Generates one `#[tokio::test]` per backend for each named `async fn(TestApp)` of the calling module.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(crate::helpers::TestApp::spawn(ares_store::Backend::Postgres).await).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(crate::helpers::TestApp::spawn(ares_store::Backend::Sqlite).await).await;
                }
            )*
        }
    };
}

/// Generates one `#[tokio::test]` per backend for each named `async fn(Backend)` of the calling module, for tests
/// that start their own server (with their own configuration).
macro_rules! with_each_backend {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(ares_store::Backend::Postgres).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(ares_store::Backend::Sqlite).await;
                }
            )*
        }
    };
}

/// The repository's own default configuration.
pub fn default_config() -> PathBuf {
    PathBuf::from(ares_server::testing::REPOSITORY_CONFIG)
}

/// The servers' clock: real time plus an offset tests can move, to cross days and months.
#[derive(Default)]
pub struct TestClock {
    offset: Mutex<chrono::Duration>,
}

impl TestClock {
    /// Moves time forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        *self.offset.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap()
    }
}

/// A server running on its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// The running server's model router, to route chats without the client API.
    pub router: Arc<ModelRouter>,
    /// The server's clock.
    pub clock: Arc<TestClock>,
    config: PathBuf,
    env: Vec<(String, String)>,
    handle: ServerHandle,
    _config_dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// A server with the default configuration on a fresh database of `backend`.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(TestDb::new(backend).await, default_config()).await
    }

    /// A server with the configuration file `config` on `db`.
    pub async fn spawn_with(db: TestDb, config: PathBuf) -> TestApp {
        let clock = Arc::new(TestClock::default());
        let (address, handle, router) = start(db.url(), &config, &[], clock.clone()).await;
        let client = reqwest::Client::new();
        TestApp { address, client, db, router, clock, config, env: vec![], handle, _config_dir: None }
    }

    /// A server configured by `text` (a whole `ares.toml`) with the extra environment variables `env`, on a fresh
    /// database of `backend`.
    pub async fn spawn_configured(backend: Backend, text: &str, env: &[(&str, &str)]) -> TestApp {
        Self::spawn_configured_on(TestDb::new(backend).await, text, env).await
    }

    /// `spawn_configured` on the database `db`.
    pub async fn spawn_configured_on(db: TestDb, text: &str, env: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("ares.toml");
        std::fs::write(&config, text).unwrap();
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let clock = Arc::new(TestClock::default());
        let (address, handle, router) = start(db.url(), &config, &env, clock.clone()).await;
        let client = reqwest::Client::new();
        TestApp { address, client, db, router, clock, config, env, handle, _config_dir: Some(dir) }
    }

    /// A second server on this one's database and configuration, as another instance behind a load balancer.
    pub async fn second_instance(&self) -> (String, ServerHandle) {
        let (address, handle, _) = start(self.db.url(), &self.config, &self.env, self.clock.clone()).await;
        (address, handle)
    }

    /// Stops the server and starts a new one on the same database, with `config` (or the same file).
    pub async fn restart(&mut self, config: Option<PathBuf>) {
        self.handle.stop(true).await;
        if let Some(config) = config {
            self.config = config;
        }
        let (address, handle, router) = start(self.db.url(), &self.config, &self.env, self.clock.clone()).await;
        self.address = address;
        self.handle = handle;
        self.router = router;
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }

    /// The server's date `days` days from its now, as `2026-03-13`.
    pub fn clock_date(&self, days: i64) -> String {
        (self.clock.now() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
    }

    /// A request with a tenant's API key.
    pub fn client_request(&self, key: &str, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(key)
    }

    /// A request with the right admin secret.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).header("X-Admin-Secret", ADMIN_SECRET)
    }

    /// An admin request with `body` as JSON, if any: its status and JSON body.
    pub async fn admin_call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let request = self.admin(method, path);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        status_and_json(request.send().await.unwrap()).await
    }

    /// Provisions a client and returns the documented response body.
    pub async fn provision(&self, name: &str, tier: &str, product_type: &str) -> Value {
        let body = json!({"name": name, "tier": tier, "product_type": product_type, "api_key_name": "production"});
        let response = self.admin(Method::POST, "/api/admin/provision-client").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201, "provisioning {name}");
        response.json().await.unwrap()
    }

    /// Creates a bare tenant and returns its id.
    pub async fn create_tenant(&self, name: &str) -> String {
        let response = self
            .admin(Method::POST, "/api/admin/tenants")
            .json(&json!({"name": name, "tier": "dev"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "creating {name}");
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and let in-flight requests finish; the database is dropped after.
        drop(self.handle.stop(false));
    }
}

async fn start(
    database_url: &str,
    config: &std::path::Path,
    extra_env: &[(String, String)],
    clock: Arc<TestClock>,
) -> (String, ServerHandle, Arc<ModelRouter>) {
    let mut env = HashMap::from([
        ("DATABASE_URL".to_owned(), database_url.to_owned()),
        ("JWT_SECRET".to_owned(), JWT_SECRET.to_owned()),
        ("API_KEY".to_owned(), ADMIN_SECRET.to_owned()),
        ("ARES_ENCRYPTION_KEY".to_owned(), ENCRYPTION_KEY.to_owned()),
        ("ARES__SERVER__PORT".to_owned(), "0".to_owned()),
        ("ARES__SERVER__WORKERS".to_owned(), "1".to_owned()),
        ("ARES__SERVER__MAX_BODY_BYTES".to_owned(), "65536".to_owned()),
        // bcrypt at its lowest cost: the tests sign in often.
        ("ARES__AUTH__BCRYPT_COST".to_owned(), "4".to_owned()),
    ]);
    env.extend(extra_env.iter().cloned());
    let settings = Settings::load(&Sources { file: Some(config.to_path_buf()), env: &env }).unwrap();
    let app = Application::build_with_clock(settings, clock).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let router = app.router();
    tokio::spawn(app.run_until_stopped());
    (address, handle, router)
}

/// The status and JSON body of a response.
pub async fn status_and_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The documented error body (`error` and its machine-readable `code`).
pub fn error(message: &str, code: &str) -> Value {
    json!({"error": message, "code": code})
}

/// The HTTP methods an OpenAPI path item holds operations under.
const OPENAPI_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The server's `GET /openapi.json`.
pub async fn openapi_document(app: &TestApp) -> Value {
    let (status, document) = status_and_json(app.request(Method::GET, "/openapi.json").send().await.unwrap()).await;
    assert_eq!(status, 200, "GET /openapi.json: {document}");
    document
}

/// Every operation of an OpenAPI document: its METHOD, its path and the operation object.
pub fn openapi_operations(document: &Value) -> Vec<(String, String, &Value)> {
    let paths = document["paths"].as_object().unwrap_or_else(|| panic!("no `paths` in the document: {document}"));
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in OPENAPI_METHODS {
            if let Some(operation) = item.get(method) {
                operations.push((method.to_uppercase(), path.clone(), operation));
            }
        }
    }
    operations
}
