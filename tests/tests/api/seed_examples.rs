//! The V1 reference's own examples, run unchanged against a real server (only the base URL and the key swapped):
//! its Python (with `requests`) and its curl, checked against what the docs say they print.

use std::process::Command;

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};

with_each_backend!(the_python_and_curl_examples_print_what_the_docs_say);

/// "Run an Agent (Python)", "Check Usage (Python)" and "Chat with Streaming (Python)", verbatim.
const PYTHON: &str = r#"import requests

API_KEY = "ares_x7k9m2p4q8r1s5t3"
BASE_URL = "http://localhost:3000"

headers = {
    "Authorization": f"Bearer {API_KEY}",
    "Content-Type": "application/json",
}

# Run an agent
response = requests.post(
    f"{BASE_URL}/v1/agents/risk-analyzer/run",
    headers=headers,
    json={
        "input": {
            "message": "Evaluate this transaction",
            "context": {"amount": 15000, "currency": "USD"},
        }
    },
)

result = response.json()
print(f"Status: {result['status']}")
print(f"Output: {result['output']}")
print(f"Duration: {result['duration_ms']}ms")
print(f"Tokens: {result['tokens_used']}")

response = requests.get(f"{BASE_URL}/v1/usage", headers=headers)
usage = response.json()

print(f"Runs this month: {usage['total_runs']} / {usage['quota_runs']}")
print(f"Tokens this month: {usage['total_tokens']} / {usage['quota_tokens']}")

import requests
import json

response = requests.post(
    f"{BASE_URL}/v1/chat/stream",
    headers=headers,
    json={
        "messages": [{"role": "user", "content": "Explain quantum computing."}],
        "model": "llama-3.3-70b",
    },
    stream=True,
)

for line in response.iter_lines():
    if line:
        text = line.decode("utf-8")
        if text.startswith("data: "):
            data = json.loads(text[6:])
            print(data.get("delta", ""), end="", flush=True)
"#;

const STREAM: &str = concat!(
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Quantum computers\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" use qubits.\"}}]}\n\n",
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}\n\n",
    "data: [DONE]\n\n",
);

/// Runs `program` with `args` off the async runtime; its standard output.
async fn run(program: &'static str, args: Vec<String>) -> String {
    let output = tokio::task::spawn_blocking(move || Command::new(program).args(&args).output())
        .await
        .unwrap()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
    assert!(output.status.success(), "{program} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

async fn the_python_and_curl_examples_print_what_the_docs_say(backend: Backend) {
    let output = r#"{"risk_score": 0.73, "risk_level": "medium"}"#;
    let risk = Reply::json(200, &completion(output, 600, 247));
    let replies = vec![risk.clone(), Reply::stream("text/event-stream", STREAM, 16), risk];
    let client = Client::start(backend, replies, "").await;
    let (tenant, key) = client.tenant("acme-corp", "pro").await;
    let analyzer = json!({"name": "risk-analyzer", "agent_type": "classifier",
                          "config": {"model": "llama-3.3-70b", "system_prompt": "You are a risk analysis agent...", "tools": ["calculator"], "max_tokens": 2048}});
    client.add_agent(&tenant, analyzer).await;

    let script = PYTHON.replace("ares_x7k9m2p4q8r1s5t3", &key).replace("http://localhost:3000", &client.app.address);
    let printed = run("python3", vec!["-c".into(), script]).await;
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "Status: completed");
    assert_eq!(lines[1], "Output: {'risk_score': 0.73, 'risk_level': 'medium'}");
    assert!(lines[2].starts_with("Duration: ") && lines[2].ends_with("ms"), "{}", lines[2]);
    assert_eq!(lines[3], "Tokens: 847");
    assert_eq!(lines[4], "Runs this month: 1 / 100000");
    assert_eq!(lines[5], "Tokens this month: 847 / 10000000");
    assert_eq!(lines[6], "Quantum computers use qubits.", "the streamed deltas, concatenated");

    let run_agent = vec![
        "-s".into(),
        "-X".into(),
        "POST".into(),
        format!("{}/v1/agents/risk-analyzer/run", client.app.address),
        "-H".into(),
        format!("Authorization: Bearer {key}"),
        "-H".into(),
        "Content-Type: application/json".into(),
        "-d".into(),
        r#"{"input": {"message": "Evaluate this transaction", "context": {"amount": 15000, "currency": "USD"}}}"#
            .into(),
    ];
    let ran: Value = serde_json::from_str(&run("curl", run_agent).await).unwrap();
    assert_eq!(
        (&ran["status"], &ran["output"]),
        (&json!("completed"), &json!({"risk_score": 0.73, "risk_level": "medium"}))
    );
    let usage = vec![
        "-s".into(),
        format!("{}/v1/usage", client.app.address),
        "-H".into(),
        format!("Authorization: Bearer {key}"),
    ];
    let usage: Value = serde_json::from_str(&run("curl", usage).await).unwrap();
    assert_eq!((&usage["total_runs"], &usage["quota_runs"]), (&json!(3), &json!(100_000)));
    assert_eq!(client.call(&key, Method::GET, "/v1/agents/risk-analyzer/runs", None).await.1["total"], 2);
}
