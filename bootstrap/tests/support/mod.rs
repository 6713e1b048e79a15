//! What the binary's tests share: the `ares-server` child process on a test database, pointed at a mock upstream.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use ares_server::testing::{PROVIDER_KEYS, config_with_upstream};
use ares_store::testing::TestDb;
use serde_json::{Value, json};

pub const JWT_SECRET: &str = "drain-test-jwt-secret-long-enough-0123456";
pub const ADMIN_SECRET: &str = "drain-test-admin-secret";
/// The server's stderr, in its working directory.
const LOG: &str = "server.log";

/// The `ares-server` child process. Killed when dropped, should a test fail before it exits.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
}

impl Server {
    /// The binary on `db` with the repository's configuration pointed at `upstream`, and `env` on top.
    pub async fn start(db: &TestDb, upstream: &str, env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("ares.toml");
        std::fs::write(&config, config_with_upstream(upstream, "")).unwrap();
        let port = free_port().to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_ares-server"))
            .arg("--config")
            .arg(&config)
            .current_dir(dir.path())
            .env_clear()
            .envs(PROVIDER_KEYS)
            .envs([
                ("DATABASE_URL", db.url()),
                ("JWT_SECRET", JWT_SECRET),
                ("API_KEY", ADMIN_SECRET),
                ("ARES__SERVER__PORT", port.as_str()),
                ("RUST_LOG", "warn"),
            ])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join(LOG)).unwrap())
            .spawn()
            .unwrap();
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), dir };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited at start-up with {status}:\n{}", self.log());
            }
            if let Ok(response) = reqwest::get(format!("{}/health", self.base)).await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become healthy within 30 s:\n{}", self.log());
    }

    /// Provisions a tenant of `tier`; its id and API key.
    pub async fn provision(&self, tier: &str) -> (String, String) {
        let body = json!({"name": "drain-corp", "tier": tier, "product_type": "generic", "api_key_name": "load"});
        let response = reqwest::Client::new()
            .post(format!("{}/api/admin/provision-client", self.base))
            .header("X-Admin-Secret", ADMIN_SECRET)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "provisioning the tenant");
        let answer: Value = response.json().await.unwrap();
        (answer["tenant_id"].as_str().unwrap().to_owned(), answer["raw_api_key"].as_str().unwrap().to_owned())
    }

    /// Sends SIGTERM and waits for the exit, at most `deadline`; its status and how long it took.
    pub async fn terminate(&mut self, deadline: Duration) -> (ExitStatus, Duration) {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let signalled = Instant::now();
        while signalled.elapsed() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, signalled.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the server was still running {deadline:?} after SIGTERM:\n{}", self.log());
    }

    /// What the server wrote on stderr.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(LOG)).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port nothing listens on (bound, then released for the server to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
