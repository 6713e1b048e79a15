//! The router over mock ports: scripted providers, a fixed clock, and a timer that records the waits instead of
//! spending them.

use std::collections::HashMap;
use std::sync::Mutex;

use ares_domain::{
    Credential, ModelTier, NetworkConfig, ProviderKind, ProviderLimits, ProviderSource, routing::BreakerPolicy,
};
use chrono::TimeZone;
use futures_util::StreamExt;

use super::*;
use crate::ports::{
    ChatMessage, FinishReason, MockChatModel, MockClock, MockProviderConnector, MockTimer, Role, ToolChoice, Usage,
};

type Script = Vec<Result<ChatResponse, ProviderError>>;

fn ok(text: &str) -> Result<ChatResponse, ProviderError> {
    Ok(ChatResponse {
        text: text.into(),
        tool_calls: vec![],
        finish_reason: FinishReason::Stop,
        usage: Usage { prompt_tokens: 10, completion_tokens: 5, estimated: false },
    })
}

fn status(code: u16, retry_after: Option<u64>) -> Result<ChatResponse, ProviderError> {
    Err(ProviderError::Status {
        status: code,
        message: format!("upstream {code}"),
        retry_after: retry_after.map(Duration::from_secs),
    })
}

fn refused() -> Result<ChatResponse, ProviderError> {
    Err(ProviderError::Connect("connection refused".into()))
}

fn model(name: &str, tier: Option<ModelTier>, fallbacks: &[&str], tools: bool) -> ModelSpec {
    ModelSpec {
        name: name.into(),
        upstream_id: format!("{name}-upstream"),
        context_length: Some(8192),
        supports_tools: tools,
        tier,
        fallbacks: fallbacks.iter().map(|f| (*f).to_owned()).collect(),
        price: ares_domain::ModelPrice::default(),
    }
}

fn provider(name: &str, models: Vec<ModelSpec>) -> Provider {
    let now = Utc.with_ymd_and_hms(2026, 3, 13, 12, 0, 0).unwrap();
    Provider {
        name: ProviderName::parse(name).unwrap(),
        kind: ProviderKind::OpenAi,
        base_url: None,
        credential: Credential::None,
        models,
        limits: ProviderLimits::default(),
        network: NetworkConfig { max_retries: 2, ..NetworkConfig::default() },
        enabled: true,
        source: ProviderSource::Config,
        discovered_models: vec![],
        models_refreshed_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// A provider client that answers `complete` from `script` in order and records what it was sent.
fn scripted(script: Script, sent: Arc<Mutex<Vec<ChatRequest>>>) -> Arc<dyn ChatModel> {
    let mut client = MockChatModel::new();
    let script = Mutex::new(script.into_iter());
    client.expect_complete().returning(move |request| {
        sent.lock().unwrap().push(request.clone());
        script.lock().unwrap().next().unwrap_or_else(|| panic!("unscripted call to {}", request.model))
    });
    client.expect_stream().returning(|request| {
        let events: Vec<Result<StreamEvent, ProviderError>> = if request.model.starts_with("broken") {
            vec![Err(ProviderError::Connect("reset".into()))]
        } else {
            vec![Ok(StreamEvent::Text("hi".into())), Ok(StreamEvent::Usage(Usage::default()))]
        };
        Ok(futures_util::stream::iter(events).boxed())
    });
    Arc::new(client)
}

struct Harness {
    router: ModelRouter,
    waits: Arc<Mutex<Vec<Duration>>>,
    sent: HashMap<String, Arc<Mutex<Vec<ChatRequest>>>>,
}

impl Harness {
    fn calls(&self, provider: &str) -> usize {
        self.sent[provider].lock().unwrap().len()
    }
}

/// A router over `providers`, each answering from its script; a provider without a script cannot connect.
fn harness(providers: Vec<Provider>, scripts: Vec<(&str, Script)>, policy: RoutingPolicy) -> Harness {
    let mut clients = HashMap::new();
    let mut sent = HashMap::new();
    for (name, script) in scripts {
        let log = Arc::new(Mutex::new(Vec::new()));
        clients.insert(name.to_owned(), scripted(script, log.clone()));
        sent.insert(name.to_owned(), log);
    }
    let mut connector = MockProviderConnector::new();
    connector.expect_connect().returning(move |p| {
        clients.get(p.name.as_ref()).cloned().ok_or_else(|| "MISSING_API_KEY is not set".to_owned())
    });
    let mut clock = MockClock::new();
    clock.expect_now().returning(|| Utc.with_ymd_and_hms(2026, 3, 13, 12, 0, 0).unwrap());
    let waits = Arc::new(Mutex::new(Vec::new()));
    let mut timer = MockTimer::new();
    let recorded = waits.clone();
    timer.expect_sleep().returning(move |d| recorded.lock().unwrap().push(d));
    let router = ModelRouter::new(Arc::new(connector), Arc::new(clock), Arc::new(timer), policy);
    router.reload(providers);
    Harness { router, waits, sent }
}

fn request(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.into(),
        system: None,
        messages: vec![ChatMessage::text(Role::User, "hello")],
        tools: vec![],
        tool_choice: ToolChoice::Auto,
        max_tokens: None,
        temperature: None,
        ..ChatRequest::default()
    }
}

fn policy() -> RoutingPolicy {
    RoutingPolicy {
        backoff: Backoff { base: Duration::from_millis(100), max: Duration::from_secs(1) },
        breaker: BreakerPolicy { failure_threshold: 10, cooldown: Duration::from_secs(30) },
        max_retry_wait: Duration::from_secs(5),
    }
}

fn two_providers() -> Vec<Provider> {
    vec![
        provider("a", vec![model("main", None, &["backup"], true)]),
        provider("b", vec![model("backup", None, &[], true)]),
    ]
}

#[tokio::test]
async fn a_transient_failure_is_retried_with_growing_backoff_then_succeeds() {
    let h = harness(
        two_providers(),
        vec![("a", vec![status(503, None), status(503, None), ok("third time")]), ("b", vec![])],
        policy(),
    );
    let routed = h.router.complete(&request("main")).await.unwrap();
    assert_eq!(
        (routed.value.text.as_str(), routed.provider.as_ref(), routed.model.as_str()),
        ("third time", "a", "main")
    );
    let waits = h.waits.lock().unwrap().clone();
    assert_eq!(waits.len(), 2);
    assert!(waits[0] >= Duration::from_millis(50) && waits[0] <= Duration::from_millis(100), "{waits:?}");
    assert!(waits[1] >= Duration::from_millis(100) && waits[1] <= Duration::from_millis(200), "{waits:?}");
    assert_eq!(h.calls("b"), 0);
    assert_eq!(h.sent["a"].lock().unwrap()[0].model, "main-upstream");
}

#[tokio::test]
async fn retry_after_is_waited_for_and_a_long_one_fails_over_at_once() {
    let h = harness(
        two_providers(),
        vec![("a", vec![status(429, Some(3)), ok("after the wait")]), ("b", vec![])],
        policy(),
    );
    assert_eq!(h.router.complete(&request("main")).await.unwrap().value.text, "after the wait");
    assert_eq!(*h.waits.lock().unwrap(), [Duration::from_secs(3)]);

    let h = harness(two_providers(), vec![("a", vec![status(429, Some(60))]), ("b", vec![ok("from b")])], policy());
    let routed = h.router.complete(&request("main")).await.unwrap();
    assert_eq!((routed.value.text.as_str(), routed.provider.as_ref()), ("from b", "b"));
    assert!(h.waits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_request_the_upstream_rejects_never_fails_over() {
    let h = harness(two_providers(), vec![("a", vec![status(400, None)]), ("b", vec![ok("never")])], policy());
    let err = h.router.complete(&request("main")).await.unwrap_err();
    assert_eq!(
        err,
        RouteError::Rejected {
            provider: ProviderName::parse("a").unwrap(),
            status: 400,
            message: "upstream 400".into()
        }
    );
    assert_eq!((h.calls("a"), h.calls("b")), (1, 0));
    assert!(h.waits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn connection_errors_exhaust_the_retries_then_fail_over_to_the_fallback() {
    let h = harness(
        two_providers(),
        vec![("a", vec![refused(), refused(), refused()]), ("b", vec![ok("from b")])],
        policy(),
    );
    let routed = h.router.complete(&request("main")).await.unwrap();
    assert_eq!((routed.provider.as_ref(), routed.model.as_str()), ("b", "backup"));
    assert_eq!((h.calls("a"), h.calls("b")), (3, 1));
    let status = h.router.provider_status(&ProviderName::parse("a").unwrap()).unwrap();
    assert_eq!(status.consecutive_failures, 3);
    assert_eq!(status.last_error.unwrap().0, "connection failed: connection refused");
}

#[tokio::test]
async fn when_every_provider_fails_the_last_failure_is_reported() {
    let h = harness(
        two_providers(),
        vec![("a", vec![refused(); 3]), ("b", vec![status(502, None), status(503, None), status(504, None)])],
        policy(),
    );
    let err = h.router.complete(&request("main")).await.unwrap_err();
    assert!(
        matches!(&err, RouteError::Failed { provider, error: ProviderError::Status { status: 504, .. } } if provider.as_ref() == "b"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_upstream_that_keeps_rate_limiting_is_reported_as_rate_limited_with_its_wait() {
    let providers = vec![provider("a", vec![model("main", None, &[], true)])];
    let mut policy = policy();
    policy.max_retry_wait = Duration::from_secs(1);
    let h = harness(providers, vec![("a", vec![status(429, Some(42))])], policy);
    let err = h.router.complete(&request("main")).await.unwrap_err();
    assert_eq!(
        err,
        RouteError::RateLimited { provider: ProviderName::parse("a").unwrap(), retry_after: Duration::from_secs(42) }
    );
    assert_eq!(err.to_string(), "Rate limit exceeded for provider 'a'");
}

#[tokio::test]
async fn an_open_circuit_skips_the_provider_and_says_why() {
    let mut policy = policy();
    policy.breaker = BreakerPolicy { failure_threshold: 2, cooldown: Duration::from_secs(30) };
    let h = harness(two_providers(), vec![("a", vec![refused(), refused()]), ("b", vec![ok("b1"), ok("b2")])], policy);
    assert_eq!(h.router.complete(&request("main")).await.unwrap().value.text, "b1");
    assert_eq!(h.calls("a"), 2, "the breaker opened before the third attempt");
    assert_eq!(h.router.complete(&request("main")).await.unwrap().value.text, "b2");
    assert_eq!(h.calls("a"), 2, "an open circuit is not called");
    let status = h.router.provider_status(&ProviderName::parse("a").unwrap()).unwrap();
    assert!(!status.available);
    let reason = status.reason.unwrap();
    assert!(reason.starts_with("circuit open until 2026-03-13T12:00:30Z after 2 failures"), "{reason}");
}

#[tokio::test]
async fn a_providers_own_limit_is_enforced_before_calling_it() {
    let mut limited = provider("a", vec![model("main", None, &[], true)]);
    limited.limits = ProviderLimits { requests_per_day: Some(1), tokens_per_minute: None };
    let h = harness(vec![limited], vec![("a", vec![ok("first"), ok("never")])], policy());
    assert!(h.router.complete(&request("main")).await.is_ok());
    let err = h.router.complete(&request("main")).await.unwrap_err();
    assert_eq!(
        err,
        RouteError::RateLimited {
            provider: ProviderName::parse("a").unwrap(),
            retry_after: Duration::from_secs(12 * 3600)
        }
    );
    assert_eq!(h.calls("a"), 1);
}

#[tokio::test]
async fn tokens_used_count_against_the_tokens_per_minute_limit() {
    let mut limited = provider("a", vec![model("main", None, &["backup"], true)]);
    limited.limits = ProviderLimits { requests_per_day: None, tokens_per_minute: Some(15) };
    let providers = vec![limited, provider("b", vec![model("backup", None, &[], true)])];
    let h = harness(providers, vec![("a", vec![ok("15 tokens")]), ("b", vec![ok("from b")])], policy());
    assert_eq!(h.router.complete(&request("main")).await.unwrap().provider.as_ref(), "a");
    assert_eq!(h.router.complete(&request("main")).await.unwrap().provider.as_ref(), "b", "a is full this minute");
}

#[tokio::test]
async fn providers_without_credentials_or_disabled_are_skipped_with_their_reasons() {
    let mut disabled = provider("b", vec![model("backup", None, &[], true)]);
    disabled.enabled = false;
    let providers = vec![provider("a", vec![model("main", None, &["backup"], true)]), disabled];
    let h = harness(providers, vec![("b", vec![])], policy());
    let err = h.router.complete(&request("main")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "No provider is available for model 'main': a: MISSING_API_KEY is not set; b: disabled by an operator"
    );
    let models = h.router.models();
    assert_eq!(
        models.iter().map(|m| (m.model.name.as_str(), m.available)).collect::<Vec<_>>(),
        [("main", false), ("backup", false)]
    );
    assert_eq!(models[0].reason.as_deref(), Some("MISSING_API_KEY is not set"));
}

#[tokio::test]
async fn a_tier_routes_to_its_models_and_an_unknown_name_is_refused() {
    let providers = vec![provider("a", vec![model("llama", Some(ModelTier::Fast), &[], true)])];
    let h = harness(providers, vec![("a", vec![ok("fast answer")])], policy());
    assert_eq!(h.router.complete(&request("fast")).await.unwrap().model, "llama");
    assert_eq!(h.router.complete(&request("gpt-9")).await.unwrap_err(), RouteError::UnknownModel("gpt-9".into()));
}

#[tokio::test]
async fn tools_are_dropped_for_a_model_that_cannot_call_them() {
    let providers = vec![provider("a", vec![model("r1", None, &[], false)])];
    let h = harness(providers, vec![("a", vec![ok("text only")])], policy());
    let mut with_tools = request("r1");
    with_tools.tools = vec![crate::ports::ToolSpec {
        name: "calculator".into(),
        description: String::new(),
        parameters: serde_json::json!({}),
    }];
    h.router.complete(&with_tools).await.unwrap();
    assert!(h.sent["a"].lock().unwrap()[0].tools.is_empty());
}

#[tokio::test]
async fn a_stream_that_fails_before_its_first_event_fails_over() {
    let providers = vec![
        provider("a", vec![ModelSpec { upstream_id: "broken".into(), ..model("main", None, &["backup"], true) }]),
        provider("b", vec![model("backup", None, &[], true)]),
    ];
    let mut policy = policy();
    policy.breaker.failure_threshold = 1;
    let h = harness(providers, vec![("a", vec![]), ("b", vec![])], policy);
    let routed = h.router.stream(&request("main")).await.unwrap();
    assert_eq!(routed.provider.as_ref(), "b");
    let events: Vec<_> = routed.value.collect().await;
    assert_eq!(events[0], Ok(StreamEvent::Text("hi".into())));
}

#[tokio::test]
async fn reloading_keeps_the_health_of_unchanged_providers() {
    let mut policy = policy();
    policy.breaker.failure_threshold = 1;
    let h = harness(two_providers(), vec![("a", vec![refused()]), ("b", vec![ok("b")])], policy);
    h.router.complete(&request("main")).await.unwrap();
    h.router.reload(two_providers());
    let status = h.router.provider_status(&ProviderName::parse("a").unwrap()).unwrap();
    assert!(matches!(status.circuit, BreakerState::Open { .. }));
}
