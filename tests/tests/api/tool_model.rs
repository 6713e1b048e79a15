//! A mock upstream that behaves like a tool-calling model, in each of the three wire formats ARES speaks (OpenAI
//! `tool_calls`, Anthropic `tool_use`/`tool_result`, Ollama's `/api/chat`), whole or streamed. It reads the tools it
//! is offered and the tool results sent back, and decides like a model would: ask for a tool, or answer in text
//! from the results. Every round reports 100 prompt and 10 completion tokens.

use ares_llm::testing::{Recorded, Reply};
use serde_json::{Value, json};

/// The mortgage of the Tool Calling guide.
pub const MORTGAGE: &str = "(400000 * (0.065/12) * (1 + 0.065/12)^360) / ((1 + 0.065/12)^360 - 1)";

/// The three wire formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    OpenAi,
    Anthropic,
    Ollama,
}

impl Wire {
    pub const ALL: [Wire; 3] = [Wire::OpenAi, Wire::Anthropic, Wire::Ollama];

    /// The `[[providers]]` type.
    pub fn provider_type(self) -> &'static str {
        match self {
            Wire::OpenAi => "openai",
            Wire::Anthropic => "anthropic",
            Wire::Ollama => "ollama",
        }
    }

    /// The base URL of a provider of this type on `upstream`.
    pub fn base_url(self, upstream: &str) -> String {
        match self {
            Wire::Ollama => upstream.to_owned(),
            Wire::OpenAi | Wire::Anthropic => format!("{upstream}/v1"),
        }
    }
}

/// What the model does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Calls `calculator` with the guide's mortgage, then gives the payment.
    Mortgage,
    /// Calls `web_search` twice in one turn, then compares the two results.
    TwoSearches,
    /// Calls `calculator` whenever it may; says how many rounds it had when it may not.
    Forever,
    /// Calls a tool the agent does not have, then reports the error.
    UnknownTool,
    /// Calls `calculator` with `1/0` and `web_search` in one turn, then reports both errors.
    Failing,
    /// Calls the MCP fixture's `add` with 2 and 3, then gives the sum.
    Add,
    /// What an SDK client meets: with `calculator`, the mortgage; with the client's own `get_weather`, a call of it
    /// for Paris, then the weather from its result; without tools, a greeting.
    Sdk,
}

/// What the model sees in a request.
struct Seen {
    offered: Vec<String>,
    may_call: bool,
    results: Vec<Value>,
    rounds: usize,
    stream: bool,
}

/// The model's turn: calls (name, arguments) or text.
enum Turn {
    Calls(Vec<(&'static str, Value)>),
    Text(String),
}

/// The responder for `MockUpstream::respond`.
pub fn model(wire: Wire, behaviour: Behaviour) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |request| {
        let seen = seen(wire, &request.body);
        let turn = decide(behaviour, &seen);
        match (wire, seen.stream) {
            (Wire::OpenAi, false) => Reply::json(200, &openai(&turn)),
            (Wire::OpenAi, true) => Reply::stream("text/event-stream", &openai_stream(&turn), 40),
            (Wire::Anthropic, false) => Reply::json(200, &anthropic(&turn)),
            (Wire::Anthropic, true) => Reply::stream("text/event-stream", &anthropic_stream(&turn), 40),
            (Wire::Ollama, false) => Reply::json(200, &ollama(&turn)),
            (Wire::Ollama, true) => Reply::stream("application/x-ndjson", &ollama_stream(&turn), 40),
        }
    }
}

fn decide(behaviour: Behaviour, seen: &Seen) -> Turn {
    let first = seen.results.is_empty();
    match behaviour {
        Behaviour::Mortgage if first => Turn::Calls(vec![("calculator", json!({"expression": MORTGAGE}))]),
        Behaviour::Mortgage => {
            let payment = seen.results[0]["result"].as_f64().unwrap_or(f64::NAN);
            Turn::Text(format!(
                "The monthly payment on a $400,000 mortgage at 6.5% APR over 30 years would be **${}**.",
                dollars(payment)
            ))
        }
        Behaviour::TwoSearches if first => Turn::Calls(vec![
            ("web_search", json!({"query": "Tokyo population 2026"})),
            ("web_search", json!({"query": "New York population 2026"})),
        ]),
        Behaviour::TwoSearches => {
            let titles: Vec<String> = seen.results.iter().map(|r| r["results"][0]["title"].to_string()).collect();
            Turn::Text(format!("Compared: {}", titles.join(" vs ")))
        }
        Behaviour::Forever if seen.may_call => Turn::Calls(vec![("calculator", json!({"expression": "1 + 1"}))]),
        Behaviour::Forever => Turn::Text(format!("Stopped after {} rounds of tools.", seen.rounds)),
        Behaviour::Sdk if seen.offered.iter().any(|t| t == "calculator") => decide(Behaviour::Mortgage, seen),
        Behaviour::Sdk if seen.offered.iter().any(|t| t == "get_weather") && first => {
            Turn::Calls(vec![("get_weather", json!({"city": "Paris"}))])
        }
        Behaviour::Sdk if first => Turn::Text("Hello from the mock model.".to_owned()),
        Behaviour::Sdk => {
            Turn::Text(format!("It is {} in Paris.", seen.results[0]["temperature"].as_str().unwrap_or("?")))
        }
        Behaviour::Add if first => Turn::Calls(vec![("add", json!({"a": 2, "b": 3}))]),
        Behaviour::Add => Turn::Text(format!("The sum is {}.", seen.results[0]["sum"])),
        Behaviour::UnknownTool if first => Turn::Calls(vec![("delete_everything", json!({}))]),
        Behaviour::Failing if first => Turn::Calls(vec![
            ("calculator", json!({"expression": "1/0"})),
            ("web_search", json!({"query": "anything"})),
        ]),
        Behaviour::UnknownTool | Behaviour::Failing => {
            let errors: Vec<&str> = seen.results.iter().filter_map(|r| r["error"].as_str()).collect();
            Turn::Text(format!("The tools failed: {}", errors.join(" | ")))
        }
    }
}

/// `2528.27` as `2,528.27`.
fn dollars(amount: f64) -> String {
    let cents = format!("{amount:.2}");
    let (whole, fraction) = cents.split_once('.').unwrap_or((&cents, "00"));
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, digit) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(*digit);
    }
    format!("{grouped}.{fraction}")
}

/// The names of the tools offered in a request body.
pub fn offered(body: &Value) -> Vec<String> {
    let tools = body["tools"].as_array().map(Vec::as_slice).unwrap_or_default();
    tools
        .iter()
        .filter_map(|t| t.pointer("/function/name").or_else(|| t.get("name")).and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// The tool results sent back in a request body, as JSON.
pub fn tool_results(wire: Wire, body: &Value) -> Vec<Value> {
    let messages = body["messages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let contents: Vec<&Value> = match wire {
        Wire::OpenAi | Wire::Ollama => messages.iter().filter(|m| m["role"] == "tool").map(|m| &m["content"]).collect(),
        Wire::Anthropic => messages
            .iter()
            .filter_map(|m| m["content"].as_array())
            .flatten()
            .filter(|b| b["type"] == "tool_result")
            .map(|b| &b["content"])
            .collect(),
    };
    contents.iter().map(|c| serde_json::from_str(c.as_str().unwrap_or("null")).unwrap()).collect()
}

/// The rounds in which the model called tools so far.
fn rounds(wire: Wire, body: &Value) -> usize {
    let messages = body["messages"].as_array().map(Vec::as_slice).unwrap_or_default();
    match wire {
        Wire::OpenAi | Wire::Ollama => messages.iter().filter(|m| m.get("tool_calls").is_some()).count(),
        Wire::Anthropic => messages
            .iter()
            .filter_map(|m| m["content"].as_array())
            .filter(|blocks| blocks.iter().any(|b| b["type"] == "tool_use"))
            .count(),
    }
}

fn seen(wire: Wire, body: &Value) -> Seen {
    let forbidden = body["tool_choice"] == "none" || body["tool_choice"]["type"] == "none";
    Seen {
        offered: offered(body),
        may_call: !offered(body).is_empty() && !forbidden,
        results: tool_results(wire, body),
        rounds: rounds(wire, body),
        stream: body["stream"] == true,
    }
}

fn openai(turn: &Turn) -> Value {
    let usage = json!({"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110});
    let (message, finish) = match turn {
        Turn::Text(text) => (json!({"role": "assistant", "content": text}), "stop"),
        Turn::Calls(calls) => {
            let calls: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(i, (name, args))| {
                    json!({"id": format!("call_{i}"), "type": "function",
                           "function": {"name": name, "arguments": args.to_string()}})
                })
                .collect();
            (json!({"role": "assistant", "content": null, "tool_calls": calls}), "tool_calls")
        }
    };
    json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "tool-model",
           "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage})
}

fn openai_stream(turn: &Turn) -> String {
    let chunk = |delta: Value, finish: Value| {
        format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}))
    };
    let mut body = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
    let finish = match turn {
        Turn::Text(text) => {
            for word in text.split_inclusive(' ') {
                body.push_str(&chunk(json!({"content": word}), Value::Null));
            }
            "stop"
        }
        Turn::Calls(calls) => {
            for (i, (name, args)) in calls.iter().enumerate() {
                let head = json!({"index": i, "id": format!("call_{i}"), "type": "function",
                                  "function": {"name": name, "arguments": ""}});
                body.push_str(&chunk(json!({"tool_calls": [head]}), Value::Null));
                let text = args.to_string();
                let (a, b) = text.split_at(text.len() / 2);
                for part in [a, b] {
                    body.push_str(&chunk(
                        json!({"tool_calls": [{"index": i, "function": {"arguments": part}}]}),
                        Value::Null,
                    ));
                }
            }
            "tool_calls"
        }
    };
    body.push_str(&chunk(json!({}), json!(finish)));
    body.push_str("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":10}}\n\n");
    body.push_str("data: [DONE]\n\n");
    body
}

fn anthropic(turn: &Turn) -> Value {
    let (content, stop) = match turn {
        Turn::Text(text) => (json!([{"type": "text", "text": text}]), "end_turn"),
        Turn::Calls(calls) => (
            calls
                .iter()
                .enumerate()
                .map(|(i, (name, input))| json!({"type": "tool_use", "id": format!("toolu_{i}"), "name": name, "input": input}))
                .collect(),
            "tool_use",
        ),
    };
    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "tool-model", "content": content,
           "stop_reason": stop, "usage": {"input_tokens": 100, "output_tokens": 10}})
}

fn anthropic_stream(turn: &Turn) -> String {
    let event = |kind: &str, data: Value| format!("event: {kind}\ndata: {data}\n\n");
    let mut body = event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": [],
               "usage": {"input_tokens": 100, "output_tokens": 0}}}),
    );
    let stop = match turn {
        Turn::Text(text) => {
            body.push_str(&event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}),
            ));
            for word in text.split_inclusive(' ') {
                body.push_str(&event(
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": word}}),
                ));
            }
            body.push_str(&event("content_block_stop", json!({"type": "content_block_stop", "index": 0})));
            "end_turn"
        }
        Turn::Calls(calls) => {
            for (i, (name, input)) in calls.iter().enumerate() {
                body.push_str(&event(
                    "content_block_start",
                    json!({"type": "content_block_start", "index": i,
                    "content_block": {"type": "tool_use", "id": format!("toolu_{i}"), "name": name, "input": {}}}),
                ));
                let text = input.to_string();
                let (a, b) = text.split_at(text.len() / 2);
                for part in [a, b] {
                    body.push_str(&event(
                        "content_block_delta",
                        json!({"type": "content_block_delta", "index": i,
                        "delta": {"type": "input_json_delta", "partial_json": part}}),
                    ));
                }
                body.push_str(&event("content_block_stop", json!({"type": "content_block_stop", "index": i})));
            }
            "tool_use"
        }
    };
    body.push_str(&event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop},
        "usage": {"output_tokens": 10}}),
    ));
    body.push_str(&event("message_stop", json!({"type": "message_stop"})));
    body
}

fn ollama_message(turn: &Turn) -> Value {
    match turn {
        Turn::Text(text) => json!({"role": "assistant", "content": text}),
        Turn::Calls(calls) => {
            let calls: Vec<Value> =
                calls.iter().map(|(name, args)| json!({"function": {"name": name, "arguments": args}})).collect();
            json!({"role": "assistant", "content": "", "tool_calls": calls})
        }
    }
}

fn ollama(turn: &Turn) -> Value {
    json!({"model": "tool-model", "message": ollama_message(turn), "done": true, "done_reason": "stop",
           "prompt_eval_count": 100, "eval_count": 10})
}

fn ollama_stream(turn: &Turn) -> String {
    let mut body = String::new();
    if let Turn::Text(text) = turn {
        for word in text.split_inclusive(' ') {
            let line = json!({"model": "tool-model", "message": {"role": "assistant", "content": word}, "done": false});
            body.push_str(&format!("{line}\n"));
        }
    } else {
        let line = json!({"model": "tool-model", "message": ollama_message(turn), "done": false});
        body.push_str(&format!("{line}\n"));
    }
    let last = json!({"model": "tool-model", "message": {"role": "assistant", "content": ""}, "done": true,
                      "done_reason": "stop", "prompt_eval_count": 100, "eval_count": 10});
    body.push_str(&format!("{last}\n"));
    body
}

#[test]
fn dollars_are_grouped_by_thousands() {
    assert_eq!(dollars(2528.27), "2,528.27");
    assert_eq!(dollars(202_277.886_785), "202,277.89");
    assert_eq!(dollars(5.0), "5.00");
}
