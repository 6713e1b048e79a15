//! The `ares-server` binary: start-up failures are one clear line on stderr and a non-zero exit.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::net::TcpListener;
use std::process::{Command, Output};

const JWT: &str = "0123456789abcdef0123456789abcdef";
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ares.toml");

fn server(envs: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ares-server"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(envs.iter().copied())
        .output()
        .unwrap()
}

fn the_one_error_line(output: &Output) -> String {
    assert!(!output.status.success(), "the server should have refused to start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    lines[0].to_owned()
}

#[test]
fn a_short_jwt_secret_stops_the_server() {
    let output = server(&[("JWT_SECRET", "short"), ("API_KEY", "admin")], &["--config", CONFIG]);
    assert_eq!(the_one_error_line(&output), "error: JWT_SECRET must be at least 32 characters");
}

#[test]
fn a_missing_admin_secret_stops_the_server() {
    let output = server(&[("JWT_SECRET", JWT)], &["--config", CONFIG]);
    assert_eq!(the_one_error_line(&output), "error: API_KEY (the admin secret for /api/admin/*) must be set");
}

#[test]
fn an_invalid_config_file_is_named_with_its_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "[server]\nport = -1\n").unwrap();
    let output = server(&[("JWT_SECRET", JWT), ("API_KEY", "admin")], &["--config", path.to_str().unwrap()]);
    let line = the_one_error_line(&output);
    assert!(line.starts_with(&format!("error: invalid config file {}: line 2", path.display())), "{line}");
    assert!(line.ends_with("key `server.port`"), "{line}");
}

#[test]
fn an_unreachable_database_stops_the_server() {
    let envs = [("JWT_SECRET", JWT), ("API_KEY", "admin"), ("DATABASE_URL", "postgres://ares:pw@127.0.0.1:1/ares")];
    let line = the_one_error_line(&server(&envs, &["--config", CONFIG]));
    assert!(
        line.starts_with("error: cannot use the database postgres://ares:***@127.0.0.1:1/ares: cannot connect"),
        "{line}"
    );
}

#[test]
fn a_port_in_use_stops_the_server() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ares.db").display());
    let envs = [
        ("JWT_SECRET", JWT),
        ("API_KEY", "admin"),
        ("DATABASE_URL", url.as_str()),
        ("ARES__SERVER__PORT", port.as_str()),
    ];
    let line = the_one_error_line(&server(&envs, &["--config", CONFIG]));
    assert!(line.starts_with(&format!("error: cannot bind 127.0.0.1:{port}: ")) && line.contains("in use"), "{line}");
}

#[test]
fn an_unknown_argument_is_refused() {
    let line = the_one_error_line(&server(&[], &["--port", "1"]));
    assert_eq!(line, "error: unknown argument '--port' (usage: ares-server [rotate-encryption-key] [--config PATH])");
}
