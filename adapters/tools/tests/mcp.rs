//! The MCP adapter against a real MCP server over stdio (`tests/fixtures/mcp_server.py`): discovery, calls,
//! error results, a server that dies, and servers that cannot be reached.

use std::sync::Arc;
use std::time::Duration;

use ares_application::ports::{Tool, ToolError};
use ares_tools::{McpServer, McpTransport, discover};
use serde_json::{Value, json};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/mcp_server.py");
const TIMEOUT: Duration = Duration::from_secs(20);

fn fixture(name: &str) -> Arc<McpServer> {
    let transport = McpTransport::Stdio { command: "python3".into(), args: vec![FIXTURE.into()], env: vec![] };
    McpServer::new(name.into(), transport)
}

async fn tools(servers: &[Arc<McpServer>], taken: &[&str]) -> Vec<Arc<dyn Tool>> {
    let taken: Vec<String> = taken.iter().map(|t| (*t).to_owned()).collect();
    discover(servers, &taken, TIMEOUT).await
}

fn find(tools: &[Arc<dyn Tool>], name: &str) -> Arc<dyn Tool> {
    tools.iter().find(|t| t.spec().name == name).unwrap_or_else(|| panic!("no tool {name}")).clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_are_discovered_with_their_schemas_and_called() {
    let tools = tools(&[fixture("fx")], &[]).await;
    let names: Vec<String> = tools.iter().map(|t| t.spec().name).collect();
    assert_eq!(names, ["echo", "add", "fail", "pid", "crash"]);
    let add = find(&tools, "add");
    assert_eq!(add.spec().description, "Adds two numbers");
    assert_eq!(add.spec().parameters["required"], json!(["a", "b"]));

    assert_eq!(add.call(json!({"a": 2, "b": 3.5})).await.unwrap(), json!({"sum": 5.5}));
    assert_eq!(find(&tools, "echo").call(json!({"text": "hi"})).await.unwrap(), json!({"text": "hi"}));
    let failed = find(&tools, "fail").call(json!({})).await.unwrap_err();
    assert_eq!(failed, ToolError::Failed("the fixture was asked to fail".into()));
    let not_an_object = add.call(json!([1, 2])).await.unwrap_err();
    assert_eq!(not_an_object, ToolError::InvalidArguments("expected a JSON object".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn taken_names_are_prefixed_with_the_server_name() {
    let tools = tools(&[fixture("fx")], &["echo"]).await;
    let names: Vec<String> = tools.iter().map(|t| t.spec().name).collect();
    assert_eq!(names, ["fx_echo", "add", "fail", "pid", "crash"]);
    assert_eq!(find(&tools, "fx_echo").call(json!({"text": "x"})).await.unwrap(), json!({"text": "x"}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_dies_is_started_again_on_the_next_call() {
    let tools = tools(&[fixture("fx")], &[]).await;
    let pid = |v: Value| v["pid"].as_u64().expect("a pid");
    let before = pid(find(&tools, "pid").call(json!({})).await.unwrap());

    let crashed = find(&tools, "crash").call(json!({})).await.unwrap_err();
    assert!(crashed.to_string().starts_with("MCP server 'fx' failed"), "{crashed}");

    let after = pid(find(&tools, "pid").call(json!({})).await.unwrap());
    assert_ne!(before, after, "a new process answers");
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_that_cannot_be_reached_are_left_out() {
    let missing = McpServer::new(
        "missing".into(),
        McpTransport::Stdio { command: "/nonexistent/mcp-server".into(), args: vec![], env: vec![] },
    );
    let silent = McpServer::new(
        "silent".into(),
        McpTransport::Stdio { command: "sleep".into(), args: vec!["30".into()], env: vec![] },
    );
    let http =
        McpServer::new("http".into(), McpTransport::Http { url: "http://127.0.0.1:9/mcp".into(), bearer_token: None });
    let servers = [missing, silent, fixture("fx"), http];
    let taken: Vec<String> = vec![];
    let tools = discover(&servers, &taken, Duration::from_secs(2)).await;
    assert_eq!(tools.len(), 5, "only the fixture's tools are offered");
}

#[test]
fn transports_never_print_their_secrets() {
    let http = McpTransport::Http { url: "https://mcp.example.com".into(), bearer_token: Some("tok-123".into()) };
    let stdio =
        McpTransport::Stdio { command: "srv".into(), args: vec![], env: vec![("KEY".into(), "val-456".into())] };
    let shown = format!("{http:?} {stdio:?}");
    assert!(!shown.contains("tok-123") && !shown.contains("val-456") && shown.contains("KEY"), "{shown}");
}
