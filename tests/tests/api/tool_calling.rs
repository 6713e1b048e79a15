//! Tool calling end to end: agents whose models call tools, through `/v1/chat`, `/v1/chat/stream` and
//! `/v1/agents/{name}/run`, for each wire format (OpenAI, Anthropic, Ollama) — the calculator, web search against
//! a SearXNG mock, an MCP server over stdio, and every failure mode degrading into an answer.

use ares_llm::testing::{MockUpstream, Recorded, Reply};
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture::{Client, completion};
use crate::tool_model::{Behaviour, MORTGAGE, Wire, model, offered, tool_results};

with_each_backend!(
    the_guides_mortgage_is_answered_with_the_calculator_in_each_wire_format,
    two_searches_of_one_turn_run_at_the_same_time,
    a_model_that_never_stops_calling_is_stopped_by_the_limit,
    a_tool_the_agent_lacks_is_an_error_result_not_a_failed_request,
    failing_and_timed_out_tools_degrade_into_an_answer,
    an_unconfigured_search_is_an_error_result_that_says_so,
    a_run_records_each_tool_call,
    a_streamed_chat_runs_the_tools_then_streams_the_answer,
    tools_of_an_mcp_server_can_be_granted_to_agents,
);

const MCP_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mcp_server.py");

/// A server with one tool-calling model per wire format (`tool-openai`, `tool-anthropic`, `tool-ollama`, each on
/// its own mock upstream), a tenant, and an agent per model (`agent-openai`, ...).
struct ToolServer {
    client: Client,
    models: Vec<(Wire, MockUpstream)>,
    key: String,
}

fn name(wire: Wire) -> &'static str {
    wire.provider_type()
}

impl ToolServer {
    /// `agent` is merged into each agent's config; `extra` is appended to the configuration.
    async fn start(backend: Backend, behaviour: Behaviour, agent: Value, extra: &str) -> ToolServer {
        let mut models = Vec::new();
        let mut config = String::from(extra);
        for wire in Wire::ALL {
            let upstream = MockUpstream::respond(model(wire, behaviour)).await;
            let key = if wire == Wire::Ollama { "" } else { "api_key_env = \"GROQ_API_KEY\"\n" };
            config.push_str(&format!(
                "\n[[providers]]\nname = \"mock-{n}\"\ntype = \"{n}\"\nbase_url = \"{url}\"\n{key}\
                 [[providers.models]]\nid = \"tool-model\"\nname = \"tool-{n}\"\n",
                n = name(wire),
                url = wire.base_url(upstream.url()),
            ));
            models.push((wire, upstream));
        }
        let client = Client::start(backend, vec![Reply::json(200, &completion("unused", 1, 1))], &config).await;
        let (tenant, key) = client.tenant("acme-corp", "pro").await;
        for wire in Wire::ALL {
            let mut config = json!({
                "model": format!("tool-{}", name(wire)),
                "system_prompt": "You are a financial analyst. Use your tools.",
                "tools": ["calculator", "web_search"],
            });
            config.as_object_mut().unwrap().extend(agent.as_object().unwrap().clone());
            let agent_name = format!("agent-{}", name(wire));
            let body = json!({"name": agent_name, "agent_type": agent_name, "config": config});
            client.add_agent(&tenant, body).await;
        }
        ToolServer { client, models, key }
    }

    /// `/v1/chat` with the agent of `wire`.
    async fn chat(&self, wire: Wire, question: &str) -> (u16, Value) {
        let body = json!({"messages": [{"role": "user", "content": question}],
                          "agent_type": format!("agent-{}", name(wire))});
        self.client.call(&self.key, Method::POST, "/v1/chat", Some(body)).await
    }

    /// What the model of `wire` was sent.
    fn received(&self, wire: Wire) -> Vec<Recorded> {
        self.models.iter().find(|(w, _)| *w == wire).unwrap().1.received()
    }
}

/// A calculator result `{"result": x}` in cents.
fn cents(result: &Value) -> i64 {
    #[expect(clippy::cast_possible_truncation, reason = "a payment in cents fits")]
    let cents = (result["result"].as_f64().unwrap() * 100.0).round() as i64;
    cents
}

async fn the_guides_mortgage_is_answered_with_the_calculator_in_each_wire_format(backend: Backend) {
    let server = ToolServer::start(backend, Behaviour::Mortgage, json!({"tools": ["calculator"]}), "").await;
    let question = "What is the monthly payment on a $400,000 mortgage at 6.5% for 30 years?";
    for wire in Wire::ALL {
        let (status, body) = server.chat(wire, question).await;
        assert_eq!(status, 200, "{wire:?}: {body}");
        let content = body["content"].as_str().unwrap();
        assert!(content.contains("2,528.27"), "{wire:?}: {content}");
        assert_eq!((&body["tokens_used"], &body["finish_reason"]), (&json!(220), &json!("stop")), "{wire:?}");
        let sent = server.received(wire);
        assert_eq!(sent.len(), 2, "{wire:?}: a tool round, then the answer");
        assert_eq!(offered(&sent[0].body), ["calculator"], "{wire:?}: exactly the agent's tools");
        assert_eq!(cents(&tool_results(wire, &sent[1].body)[0]), 252_827, "{wire:?}");
    }
    let first = &server.received(Wire::OpenAi)[0].body["tools"][0]["function"];
    assert_eq!(first["parameters"]["required"], json!(["expression"]), "JSON-schema parameters");
    assert!(MORTGAGE.contains("^360"));
}

/// A SearXNG mock whose answers wait until two searches are in flight at once.
async fn searxng_answering_in_pairs() -> MockUpstream {
    MockUpstream::respond(|request: &Recorded| {
        let city = if request.path.contains("Tokyo") { "Tokyo" } else { "New York" };
        let results = json!({"results": [{"title": format!("{city} population"), "url": "https://example.com",
                                          "content": format!("About the people of {city}.")}]});
        Reply::Together { peers: 2, reply: Box::new(Reply::json(200, &results)) }
    })
    .await
}

async fn two_searches_of_one_turn_run_at_the_same_time(backend: Backend) {
    let search = searxng_answering_in_pairs().await;
    let config = format!("[tools.web_search]\nprovider = \"searxng\"\nbase_url = \"{}\"\n", search.url());
    let server = ToolServer::start(backend, Behaviour::TwoSearches, json!({}), &config).await;
    for wire in Wire::ALL {
        let (status, body) = server.chat(wire, "Compare the population of Tokyo and New York").await;
        assert_eq!(status, 200, "{wire:?}: {body}");
        assert_eq!(body["content"], "Compared: \"Tokyo population\" vs \"New York population\"", "{wire:?}");
        let results = tool_results(wire, &server.received(wire)[1].body);
        assert_eq!(results[0]["results"][0]["snippet"], "About the people of Tokyo.", "{wire:?}");
    }
    let queries: Vec<String> = search.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(queries.len(), 6);
    assert!(queries.iter().all(|q| q.starts_with("/search?q=") && q.ends_with("&format=json")), "{queries:?}");
}

async fn a_model_that_never_stops_calling_is_stopped_by_the_limit(backend: Backend) {
    let server = ToolServer::start(backend, Behaviour::Forever, json!({"max_iterations": 3}), "").await;
    for wire in Wire::ALL {
        let (status, body) = server.chat(wire, "Keep adding").await;
        assert_eq!(status, 200, "{wire:?}: {body}");
        assert_eq!(body["content"], "Stopped after 3 rounds of tools.", "{wire:?}");
        assert_eq!(body["tokens_used"], 440, "{wire:?}: four rounds of usage");
        let sent = server.received(wire);
        assert_eq!(sent.len(), 4, "{wire:?}");
        let last = &sent[3].body;
        match wire {
            Wire::OpenAi => assert_eq!(last["tool_choice"], "none"),
            Wire::Anthropic => assert_eq!(last["tool_choice"], json!({"type": "none"})),
            Wire::Ollama => assert!(last.get("tools").is_none()),
        }
        let system = match wire {
            Wire::Anthropic => last["system"].as_str().unwrap().to_owned(),
            Wire::OpenAi | Wire::Ollama => last["messages"][0]["content"].as_str().unwrap().to_owned(),
        };
        assert!(system.ends_with("Answer now, in text, with the information gathered so far."), "{system}");
    }
}

async fn a_tool_the_agent_lacks_is_an_error_result_not_a_failed_request(backend: Backend) {
    let server = ToolServer::start(backend, Behaviour::UnknownTool, json!({}), "").await;
    for wire in Wire::ALL {
        let (status, body) = server.chat(wire, "Clean up").await;
        assert_eq!(status, 200, "{wire:?}: {body}");
        assert_eq!(
            body["content"],
            "The tools failed: Unknown tool: 'delete_everything'. Available tools: calculator, web_search",
            "{wire:?}"
        );
    }
}

async fn failing_and_timed_out_tools_degrade_into_an_answer(backend: Backend) {
    let search = MockUpstream::start(vec![Reply::Hang]).await;
    let config = format!("[tools.web_search]\nprovider = \"searxng\"\nbase_url = \"{}\"\n", search.url());
    let server = ToolServer::start(backend, Behaviour::Failing, json!({"tool_timeout": 0.5}), &config).await;
    for wire in Wire::ALL {
        let (status, body) = server.chat(wire, "Divide and search").await;
        assert_eq!(status, 200, "{wire:?}: {body}");
        assert_eq!(
            body["content"],
            "The tools failed: Cannot evaluate '1/0': division by zero | web_search timed out after 0.5 seconds",
            "{wire:?}"
        );
    }
}

async fn an_unconfigured_search_is_an_error_result_that_says_so(backend: Backend) {
    let server = ToolServer::start(backend, Behaviour::Failing, json!({}), "").await;
    let (status, body) = server.chat(Wire::OpenAi, "Divide and search").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["content"]
            .as_str()
            .unwrap()
            .ends_with("| web_search is not configured on this server: set [tools.web_search] in ares.toml"),
        "{body}"
    );
}

async fn a_run_records_each_tool_call(backend: Backend) {
    let server = ToolServer::start(backend, Behaviour::Mortgage, json!({}), "").await;
    let input = json!({"input": "What is the monthly payment on a $400,000 mortgage at 6.5% for 30 years?"});
    let (status, run) = server.client.call(&server.key, Method::POST, "/v1/agents/agent-openai/run", Some(input)).await;
    assert_eq!((status, &run["status"], &run["tokens_used"]), (200, &json!("completed"), &json!(220)), "{run}");
    assert!(run["output"].to_string().contains("2,528.27"), "{run}");
    let call = &run["tool_calls"][0];
    assert_eq!((&call["name"], &call["arguments"]), (&json!("calculator"), &json!({"expression": MORTGAGE})));
    assert_eq!(cents(&call["result"]), 252_827, "{call}");
    assert!(call.get("error").is_none() && call["duration_ms"].is_u64(), "{call}");
    let (status, runs) = server.client.call(&server.key, Method::GET, "/v1/agents/agent-openai/runs", None).await;
    assert_eq!(status, 200);
    assert_eq!(runs["runs"][0]["tool_calls"], run["tool_calls"], "stored with the run");
}

/// The `data:` events of an SSE body.
fn events(body: &str) -> Vec<Value> {
    body.lines().filter_map(|l| l.strip_prefix("data: ")).map(|d| serde_json::from_str(d).unwrap()).collect()
}

async fn a_streamed_chat_runs_the_tools_then_streams_the_answer(backend: Backend) {
    let server = ToolServer::start(backend, Behaviour::Mortgage, json!({}), "").await;
    for wire in Wire::ALL {
        let body = json!({"message": "Monthly payment on $400,000 at 6.5% for 30 years?",
                          "agent_type": format!("agent-{}", name(wire))});
        let response = server
            .client
            .app
            .client_request(&server.key, Method::POST, "/v1/chat/stream")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{wire:?}");
        let events = events(&response.text().await.unwrap());
        let text: String = events.iter().filter_map(|e| e["delta"].as_str()).collect();
        assert!(text.contains("**$2,528.27**"), "{wire:?}: {text}");
        let last = events.last().unwrap();
        assert_eq!((&last["finish_reason"], &last["tokens_used"]), (&json!("stop"), &json!(220)), "{wire:?}");
        let sent = server.received(wire);
        assert_eq!(cents(&tool_results(wire, &sent[1].body)[0]), 252_827, "{wire:?}");
        assert!(sent.iter().all(|r| r.body["stream"] == true), "{wire:?}: every round streamed");
    }
}

async fn tools_of_an_mcp_server_can_be_granted_to_agents(backend: Backend) {
    let config = format!("[[mcp_servers]]\nname = \"fixture\"\ncommand = \"python3\"\nargs = [\"{MCP_FIXTURE}\"]\n");
    let server = ToolServer::start(backend, Behaviour::Add, json!({"tools": ["add"]}), &config).await;
    for wire in Wire::ALL {
        let (status, body) = server.chat(wire, "What is 2 + 3?").await;
        assert_eq!(status, 200, "{wire:?}: {body}");
        assert_eq!(body["content"], "The sum is 5.", "{wire:?}");
        let sent = server.received(wire);
        assert_eq!(offered(&sent[0].body), ["add"], "{wire:?}");
        assert!(sent[0].body["tools"].to_string().contains("Adds two numbers"), "{wire:?}");
    }
}
