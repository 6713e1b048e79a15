//! The tool loop over mock ports: a scripted model, tools of our own, and tokio's timer (for timeouts only).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ares_domain::{
    Credential, ModelSpec, NetworkConfig, Provider, ProviderKind, ProviderLimits, ProviderName, ProviderSource,
    ToolSettings,
};
use async_trait::async_trait;
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::coordinator::LIMIT_NOTE;
use super::*;
use crate::ports::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, Clock, FinishReason, MockChatModel, MockClock,
    MockProviderConnector, ProviderError, Role, StreamEvent, Timer, Tool, ToolCall, ToolChoice, ToolError, ToolSpec,
    Usage,
};
use crate::usecases::Budget;
use crate::usecases::{ModelRouter, RoutingPolicy};

struct TokioTimer;

#[async_trait]
impl Timer for TokioTimer {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A tool answering with `f(arguments)`.
struct FnTool {
    name: &'static str,
    f: fn(&Value) -> Result<Value, ToolError>,
}

#[async_trait]
impl Tool for FnTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.name.into(),
            description: format!("the {} tool", self.name),
            parameters: json!({"type": "object"}),
        }
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        (self.f)(&arguments)
    }
}

/// A tool whose calls wait until `parties` of them are running at once.
struct BarrierTool(Arc<tokio::sync::Barrier>);

#[async_trait]
impl Tool for BarrierTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec { name: "web_search".into(), description: String::new(), parameters: json!({"type": "object"}) }
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        self.0.wait().await;
        Ok(json!({"results": [{"title": arguments["query"], "url": "https://example.com", "snippet": ""}]}))
    }
}

type Script = Box<dyn Fn(&ChatRequest) -> ChatResponse + Send + Sync>;

fn answer(text: &str) -> ChatResponse {
    ChatResponse {
        text: text.into(),
        tool_calls: vec![],
        finish_reason: FinishReason::Stop,
        usage: Usage { prompt_tokens: 10, completion_tokens: 5, estimated: false },
    }
}

fn calls(calls: &[(&str, &str)]) -> ChatResponse {
    ChatResponse {
        text: String::new(),
        tool_calls: calls
            .iter()
            .enumerate()
            .map(|(i, (name, arguments))| ToolCall {
                id: format!("call_{i}"),
                name: (*name).into(),
                arguments: (*arguments).into(),
            })
            .collect(),
        finish_reason: FinishReason::ToolCalls,
        usage: Usage { prompt_tokens: 20, completion_tokens: 3, estimated: false },
    }
}

/// The model's view: the tool results it was sent, last round.
fn tool_results(request: &ChatRequest) -> Vec<Value> {
    request
        .messages
        .iter()
        .rev()
        .take_while(|m| m.role == Role::Tool)
        .map(|m| serde_json::from_str(&m.content).unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

struct Harness {
    coordinator: Arc<ToolCoordinator>,
    sent: Arc<Mutex<Vec<ChatRequest>>>,
}

fn harness(script: Script, tools: Vec<Arc<dyn Tool>>) -> Harness {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let script: Arc<Script> = Arc::new(script);
    let mut client = MockChatModel::new();
    let (log, answers) = (sent.clone(), script.clone());
    client.expect_complete().returning(move |request| {
        log.lock().unwrap().push(request.clone());
        Ok(answers(request))
    });
    let (log, answers) = (sent.clone(), script);
    client.expect_stream().returning(move |request| {
        log.lock().unwrap().push(request.clone());
        let response = answers(request);
        let mut events: Vec<Result<StreamEvent, ProviderError>> =
            response.text.split_inclusive(' ').map(|t| Ok(StreamEvent::Text(t.to_owned()))).collect();
        for (index, call) in response.tool_calls.into_iter().enumerate() {
            let (head, tail) = call.arguments.split_at(call.arguments.len() / 2);
            events.push(Ok(StreamEvent::ToolCall {
                index,
                id: Some(call.id),
                name: Some(call.name),
                arguments: head.into(),
            }));
            events.push(Ok(StreamEvent::ToolCall { index, id: None, name: None, arguments: tail.into() }));
        }
        events.push(Ok(StreamEvent::Finish(response.finish_reason)));
        events.push(Ok(StreamEvent::Usage(response.usage)));
        Ok(futures_util::stream::iter(events).boxed())
    });
    let client: Arc<dyn ChatModel> = Arc::new(client);
    let mut connector = MockProviderConnector::new();
    connector.expect_connect().returning(move |_| Ok(client.clone()));
    let mut clock = MockClock::new();
    clock.expect_now().returning(Utc::now);
    let clock: Arc<dyn Clock> = Arc::new(clock);
    let router =
        Arc::new(ModelRouter::new(Arc::new(connector), clock.clone(), Arc::new(TokioTimer), RoutingPolicy::default()));
    router.reload(vec![provider()]);
    let catalog = Arc::new(ToolCatalog::new());
    for tool in tools {
        catalog.register(tool);
    }
    let coordinator = ToolCoordinator::new(router, catalog, Arc::new(TokioTimer), clock, ToolSettings::default());
    Harness { coordinator: Arc::new(coordinator), sent }
}

fn provider() -> Provider {
    Provider {
        name: ProviderName::parse("p").unwrap(),
        kind: ProviderKind::OpenAi,
        base_url: None,
        credential: Credential::None,
        models: vec![ModelSpec::configured("m".into(), None, None, None, None, vec![]).unwrap()],
        limits: ProviderLimits::default(),
        network: NetworkConfig::default(),
        enabled: true,
        source: ProviderSource::Config,
        discovered_models: vec![],
        models_refreshed_at: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "m".into(),
        system: Some("You are careful.".into()),
        messages: vec![ChatMessage::text(Role::User, "What is 2 + 2?")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: None,
        temperature: None,
        ..ChatRequest::default()
    }
}

fn calculator() -> Arc<dyn Tool> {
    Arc::new(FnTool {
        name: "calculator",
        f: |args| match args["expression"].as_str() {
            Some("2 + 2") => Ok(json!({"result": 4})),
            Some(other) => Err(ToolError::InvalidArguments(format!("cannot evaluate {other}"))),
            None => Err(ToolError::InvalidArguments("missing expression".into())),
        },
    })
}

fn names(tools: &[&str]) -> Vec<String> {
    tools.iter().map(|t| (*t).to_owned()).collect()
}

fn settings(parallel: bool, timeout_ms: u64) -> ToolSettings {
    ToolSettings { max_iterations: 10, parallel_execution: parallel, tool_timeout: Duration::from_millis(timeout_ms) }
}

#[tokio::test]
async fn a_tool_call_is_run_and_its_result_sent_back_until_the_model_answers() {
    let script: Script = Box::new(|request| match tool_results(request).first() {
        None => calls(&[("calculator", r#"{"expression": "2 + 2"}"#)]),
        Some(result) => answer(&format!("The answer is {}.", result["result"])),
    });
    let h = harness(script, vec![calculator()]);
    let routed = h
        .coordinator
        .complete(request(), &names(&["calculator"]), settings(true, 5_000), &Budget::unlimited())
        .await
        .unwrap();
    let run = routed.value;
    assert_eq!(run.response.text, "The answer is 4.");
    assert_eq!(run.usage, Usage { prompt_tokens: 30, completion_tokens: 8, estimated: false }, "every round counts");
    assert_eq!(run.calls.len(), 1);
    assert_eq!(
        (run.calls[0].name.as_str(), &run.calls[0].arguments, &run.calls[0].result),
        ("calculator", &json!({"expression": "2 + 2"}), &Some(json!({"result": 4})))
    );
    let sent = h.sent.lock().unwrap();
    assert_eq!(sent[0].tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["calculator"]);
    assert_eq!(sent[1].messages[1].tool_calls[0].name, "calculator", "the call goes back as the assistant's turn");
    assert_eq!(sent[1].messages[2].tool_call_id.as_deref(), Some("call_0"));
}

#[tokio::test]
async fn an_unknown_tool_and_bad_arguments_are_error_results_not_failed_requests() {
    let script: Script = Box::new(|request| match tool_results(request).as_slice() {
        [] => calls(&[
            ("web_search", r#"{"query": "x"}"#),
            ("calculator", "{not json"),
            ("calculator", r#"{"expression": "oops"}"#),
        ]),
        results => answer(&serde_json::to_string(results).unwrap()),
    });
    let h = harness(script, vec![calculator()]);
    let run = h
        .coordinator
        .complete(request(), &names(&["calculator"]), settings(true, 5_000), &Budget::unlimited())
        .await
        .unwrap()
        .value;
    let results: Vec<Value> = serde_json::from_str(&run.response.text).unwrap();
    assert_eq!(results[0], json!({"error": "Unknown tool: 'web_search'. Available tools: calculator"}));
    assert!(results[1]["error"].as_str().unwrap().starts_with("Invalid arguments: not JSON"), "{}", results[1]);
    assert_eq!(results[2], json!({"error": "cannot evaluate oops"}));
    assert_eq!(run.calls.iter().filter(|c| c.error.is_some()).count(), 3);
    assert_eq!(run.calls[1].arguments, json!("{not json"), "the raw arguments are kept when they do not parse");
}

#[tokio::test]
async fn calls_of_one_round_run_at_the_same_time_when_parallel_execution_is_on() {
    let two = r#"{"query": "Tokyo population 2026"}"#;
    let script: Script = Box::new(move |request| match tool_results(request).as_slice() {
        [] => calls(&[("web_search", two), ("web_search", r#"{"query": "New York population 2026"}"#)]),
        results => answer(&serde_json::to_string(results).unwrap()),
    });
    let tool = || -> Arc<dyn Tool> { Arc::new(BarrierTool(Arc::new(tokio::sync::Barrier::new(2)))) };
    let h = harness(script, vec![tool()]);
    let run = h
        .coordinator
        .complete(request(), &names(&["web_search"]), settings(true, 10_000), &Budget::unlimited())
        .await
        .unwrap()
        .value;
    assert!(run.calls.iter().all(|c| c.result.is_some()), "both calls met at the barrier: {:?}", run.calls);

    let script: Script = Box::new(move |request| match tool_results(request).as_slice() {
        [] => calls(&[("web_search", two), ("web_search", two)]),
        results => answer(&serde_json::to_string(results).unwrap()),
    });
    let h = harness(script, vec![tool()]);
    let run = h
        .coordinator
        .complete(request(), &names(&["web_search"]), settings(false, 200), &Budget::unlimited())
        .await
        .unwrap()
        .value;
    assert_eq!(
        run.calls[0].error.as_deref(),
        Some("web_search timed out after 0.2 seconds"),
        "one at a time, the first call waits alone"
    );
}

#[tokio::test]
async fn a_model_that_keeps_calling_is_stopped_at_the_limit_and_asked_for_an_answer() {
    let script: Script = Box::new(|request| {
        if request.tool_choice == ToolChoice::None {
            answer("Here is what I have.")
        } else {
            calls(&[("calculator", r#"{"expression": "2 + 2"}"#)])
        }
    });
    let h = harness(script, vec![calculator()]);
    let limited = ToolSettings { max_iterations: 3, ..settings(true, 5_000) };
    let run =
        h.coordinator.complete(request(), &names(&["calculator"]), limited, &Budget::unlimited()).await.unwrap().value;
    assert_eq!((run.response.text.as_str(), run.calls.len()), ("Here is what I have.", 3));
    let sent = h.sent.lock().unwrap();
    assert_eq!(sent.len(), 4, "three rounds with tools, one to answer");
    let last = sent.last().unwrap();
    assert_eq!(last.tool_choice, ToolChoice::None);
    assert!(last.system.as_deref().unwrap().ends_with(LIMIT_NOTE));
}

#[tokio::test]
async fn an_agent_without_tools_is_one_plain_round() {
    let h = harness(Box::new(|_| answer("Hi.")), vec![calculator()]);
    let run = h.coordinator.complete(request(), &[], settings(true, 5_000), &Budget::unlimited()).await.unwrap().value;
    assert_eq!((run.response.text.as_str(), run.calls.len()), ("Hi.", 0));
    assert!(h.sent.lock().unwrap()[0].tools.is_empty());
}

#[tokio::test]
async fn streamed_tool_rounds_run_first_then_the_final_answer_streams_with_all_the_usage() {
    let script: Script = Box::new(|request| match tool_results(request).first() {
        None => calls(&[("calculator", r#"{"expression": "2 + 2"}"#)]),
        Some(result) => answer(&format!("The answer is {}.", result["result"])),
    });
    let h = harness(script, vec![calculator()]);
    let routed = h
        .coordinator
        .stream(request(), &names(&["calculator"]), settings(true, 5_000), Budget::unlimited())
        .await
        .unwrap();
    let events: Vec<StreamEvent> = routed.value.map(Result::unwrap).collect().await;
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "The answer is 4.");
    assert_eq!(
        events[events.len() - 2..],
        [
            StreamEvent::Finish(FinishReason::Stop),
            StreamEvent::Usage(Usage { prompt_tokens: 30, completion_tokens: 8, estimated: false })
        ]
    );
    assert_eq!(
        h.sent.lock().unwrap()[1].messages[1].tool_calls[0].arguments,
        r#"{"expression": "2 + 2"}"#,
        "fragments reassembled"
    );
}

/// A budget of a pro tenant admitted with `reserved` tokens, whose further reservations the ledger `grants` or
/// refuses; and the reservations it was asked for.
async fn budget(reserved: u64, grants: bool) -> (Budget, Arc<Mutex<Vec<u64>>>) {
    use ares_domain::{ApiKeyId, Counters, TenantId, Tier, TierQuotas};

    use crate::ports::{Admission, MockUsageLedger};
    use crate::usecases::{Caller, Metering};

    let mut ledger = MockUsageLedger::new();
    ledger.expect_admit().returning(|_, _, _, _| Ok(Admission::Admitted(Counters::default())));
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    ledger.expect_reserve().returning(move |_, _, _, reservation| {
        log.lock().unwrap().push(reservation.tokens);
        Ok(if grants { Admission::Admitted(Counters::default()) } else { Admission::Refused(Counters::default()) })
    });
    let mut clock = MockClock::new();
    clock.expect_now().returning(Utc::now);
    let metering = Arc::new(Metering::new(Arc::new(ledger), TierQuotas::default(), Arc::new(clock)));
    let caller = Caller::api_key(TenantId::new(), ApiKeyId::new(), Tier::Pro);
    let ticket = metering.admit(&caller, reserved).await.unwrap();
    (metering.budget(&ticket), asked)
}

fn endless() -> Script {
    Box::new(|request| {
        if request.tool_choice == ToolChoice::None {
            answer("Here is what I have.")
        } else {
            calls(&[("calculator", r#"{"expression": "2 + 2"}"#)])
        }
    })
}

#[tokio::test]
async fn a_further_round_the_budget_cannot_cover_ends_the_loop_with_what_it_has() {
    let h = harness(endless(), vec![calculator()]);
    let (budget, asked) = budget(10, false).await;
    let run = h.coordinator.complete(request(), &names(&["calculator"]), settings(true, 5_000), &budget).await;
    let run = run.unwrap().value;
    assert_eq!(h.sent.lock().unwrap().len(), 1, "no round the budget could not hold");
    assert_eq!((run.response.finish_reason, run.calls.len()), (FinishReason::Length, 1));
    assert!(run.response.tool_calls.is_empty());
    // Used 23; the next round's prompt is at least those 23 and the result's 3 tokens: 49 needed, 10 reserved.
    assert_eq!(*asked.lock().unwrap(), [39]);
}

#[tokio::test]
async fn each_further_round_reserves_what_its_admission_does_not_cover() {
    let h = harness(endless(), vec![calculator()]);
    let (budget, asked) = budget(10, true).await;
    let limited = ToolSettings { max_iterations: 2, ..settings(true, 5_000) };
    let run = h.coordinator.complete(request(), &names(&["calculator"]), limited, &budget).await.unwrap().value;
    assert_eq!(run.response.text, "Here is what I have.");
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 2, "once before each further round: {asked:?}");
    assert!(asked.iter().all(|tokens| *tokens > 0));
}

#[tokio::test]
async fn a_streamed_loop_ends_with_length_when_the_budget_cannot_cover_a_round() {
    let h = harness(endless(), vec![calculator()]);
    let (budget, _) = budget(10, false).await;
    let routed = h.coordinator.stream(request(), &names(&["calculator"]), settings(true, 5_000), budget).await;
    let events: Vec<StreamEvent> = routed.unwrap().value.map(Result::unwrap).collect().await;
    assert_eq!(
        events[events.len() - 2..],
        [
            StreamEvent::Finish(FinishReason::Length),
            StreamEvent::Usage(Usage { prompt_tokens: 20, completion_tokens: 3, estimated: false })
        ]
    );
    assert_eq!(h.sent.lock().unwrap().len(), 1);
}
