//! User agents over mock ports: a router serving one model, a catalog of two tools, and a mock store.

use std::sync::{Arc, Mutex};

use ares_domain::{
    Credential, ModelSpec, NetworkConfig, Provider, ProviderKind, ProviderLimits, ProviderName, ProviderSource,
};
use chrono::Utc;
use serde_json::json;

use super::*;
use crate::ports::{
    MockChatModel, MockClock, MockProviderConnector, MockTimer, MockTool, MockUserAgentRepository, ToolSpec,
};
use crate::usecases::RoutingPolicy;

const MODEL: &str = "llama-3.3-70b";

fn provider() -> Provider {
    let model = ModelSpec::configured("llama-3.3-70b-versatile".into(), Some(MODEL.into()), None, None, None, vec![]);
    Provider {
        name: ProviderName::parse("groq").unwrap(),
        kind: ProviderKind::OpenAi,
        base_url: None,
        credential: Credential::None,
        models: vec![model.unwrap()],
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

fn clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(Utc::now);
    Arc::new(clock)
}

fn router() -> Arc<ModelRouter> {
    let mut connector = MockProviderConnector::new();
    connector.expect_connect().returning(|_| Ok(Arc::new(MockChatModel::new())));
    let router = ModelRouter::new(Arc::new(connector), clock(), Arc::new(MockTimer::new()), RoutingPolicy::default());
    router.reload(vec![provider()]);
    Arc::new(router)
}

fn tool(name: &'static str) -> Arc<MockTool> {
    let mut tool = MockTool::new();
    tool.expect_spec().returning(move || ToolSpec {
        name: name.into(),
        description: String::new(),
        parameters: json!({"type": "object"}),
    });
    Arc::new(tool)
}

fn service(agents: MockUserAgentRepository) -> UserAgents {
    let tools = ToolCatalog::new();
    tools.register(tool("calculator"));
    tools.register(tool("web_search"));
    UserAgents::new(Arc::new(agents), router(), Arc::new(tools), clock())
}

fn actor(user: UserId) -> Actor {
    Actor::User(user.to_string())
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

fn new_agent(config: Value) -> NewUserAgent {
    NewUserAgent { name: "code-reviewer".into(), agent_type: Some("reviewer".into()), config: object(config) }
}

fn stored(user_id: UserId) -> UserAgent {
    UserAgent {
        user_id,
        name: AgentName::parse("code-reviewer").unwrap(),
        agent_type: None,
        config: AgentConfig::from_json(object(json!({"model": MODEL, "system_prompt": "old", "max_tokens": 100})))
            .unwrap(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[tokio::test]
async fn create_stores_the_agent_with_an_audit_entry_naming_only_its_name_and_model() {
    let user = UserId::new();
    let mut agents = MockUserAgentRepository::new();
    agents
        .expect_insert()
        .withf(move |agent, audit| {
            agent.user_id == user
                && agent.agent_type.as_ref().map(AsRef::as_ref) == Some("reviewer")
                && audit.action == "user_agent.created"
                && audit.actor == user.to_string()
                && audit.target.as_deref() == Some("agent:code-reviewer")
                && Value::Object(audit.details.clone()) == json!({"name": "code-reviewer", "model": MODEL})
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let config = json!({"model": MODEL, "system_prompt": "Review code.", "tools": ["calculator"]});
    let agent = service(agents).create(&actor(user), user, new_agent(config)).await.unwrap();
    assert_eq!(agent.config.tools, ["calculator"]);
}

#[tokio::test]
async fn a_model_the_platform_does_not_serve_is_refused() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().never();
    let user = UserId::new();
    let err = service(agents).create(&actor(user), user, new_agent(json!({"model": "gpt-9"}))).await.unwrap_err();
    assert!(matches!(&err, UserAgentError::Invalid(_)), "{err:?}");
    assert_eq!(err.to_string(), "Unknown model: 'gpt-9'");
}

#[tokio::test]
async fn models_resolve_by_name_tier_or_upstream_id() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().times(1).returning(|_, _| Ok(()));
    let user = UserId::new();
    let config = json!({"model": "llama-3.3-70b-versatile"});
    assert!(service(agents).create(&actor(user), user, new_agent(config)).await.is_ok());
}

#[tokio::test]
async fn an_unknown_tool_is_refused_naming_the_known_ones() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().never();
    let user = UserId::new();
    let config = json!({"model": MODEL, "tools": ["calculator", "abacus"]});
    let err = service(agents).create(&actor(user), user, new_agent(config)).await.unwrap_err();
    assert!(matches!(&err, UserAgentError::Invalid(_)), "{err:?}");
    assert_eq!(err.to_string(), "Unknown tool: 'abacus'. Known tools: calculator, web_search");
}

#[tokio::test]
async fn a_tool_of_the_platforms_that_users_may_not_have_is_unknown_to_them() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().never();
    let tools = ToolCatalog::new();
    for name in ["calculator", "web_search", "crm_lookup"] {
        tools.register(tool(name));
    }
    let service = UserAgents::new(Arc::new(agents), router(), Arc::new(tools), clock())
        .allowing(vec!["calculator".into(), "crm_lookup_other".into()]);
    let user = UserId::new();
    let config = json!({"model": MODEL, "tools": ["crm_lookup"]});
    let err = service.create(&actor(user), user, new_agent(config)).await.unwrap_err();
    assert_eq!(err.to_string(), "Unknown tool: 'crm_lookup'. Known tools: calculator");
}

#[tokio::test]
async fn invalid_names_types_and_configs_are_refused() {
    let user = UserId::new();
    let service = service(MockUserAgentRepository::new());
    let mut bad_name = new_agent(json!({"model": MODEL}));
    bad_name.name = "has space".into();
    let cases = [
        (bad_name, "Invalid agent name: 'has space'. Use 1-64 letters, digits, '-', '_' or '.'"),
        (
            new_agent(json!({"model": MODEL, "temperature": 3})),
            "Invalid agent config: temperature must be between 0 and 2, got 3",
        ),
        (new_agent(json!({"model": MODEL, "toon": {}})), "Invalid agent config: 'toon' is not a config field"),
    ];
    for (new, message) in cases {
        let err = service.create(&actor(user), user, new).await.unwrap_err();
        assert_eq!((matches!(err, UserAgentError::Invalid(_)), err.to_string()), (true, message.to_owned()));
    }
}

#[tokio::test]
async fn a_name_the_user_already_has_is_a_duplicate() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().returning(|_, _| Err(RepoError::Conflict(Conflict::AgentName)));
    let user = UserId::new();
    let err = service(agents).create(&actor(user), user, new_agent(json!({"model": MODEL}))).await.unwrap_err();
    assert!(matches!(&err, UserAgentError::Duplicate(_)), "{err:?}");
    assert_eq!(err.to_string(), "Agent with name 'code-reviewer' already exists");
}

#[tokio::test]
async fn a_missing_agent_is_not_found_for_every_operation() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_find().returning(|_, _| Ok(None));
    agents.expect_update().never();
    agents.expect_delete().never();
    let user = UserId::new();
    let service = service(agents);
    let actor = actor(user);
    let errors = [
        service.get(user, "ghost").await.unwrap_err(),
        service.export(user, "ghost").await.unwrap_err(),
        service.update(&actor, user, "ghost", object(json!({"model": MODEL}))).await.unwrap_err(),
        service.delete(&actor, user, "ghost").await.unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(&err, UserAgentError::NotFound(_)), "{err:?}");
        assert_eq!(err.to_string(), "Agent not found: ghost");
    }
}

#[tokio::test]
async fn a_name_no_agent_can_have_is_not_found_without_asking_the_store() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_find().never();
    let err = service(agents).get(UserId::new(), "bad\nname").await.unwrap_err();
    assert_eq!(err.to_string(), "Agent not found: bad\\nname");
}

#[tokio::test]
async fn update_replaces_only_the_fields_given() {
    let user = UserId::new();
    let mut agents = MockUserAgentRepository::new();
    agents.expect_find().returning(move |_, _| Ok(Some(stored(user))));
    agents
        .expect_update()
        .withf(move |agent, audit| {
            agent.user_id == user
                && agent.config.system_prompt.as_deref() == Some("new")
                && agent.config.max_tokens == Some(100)
                && agent.config.tools == ["web_search"]
                && agent.agent_type.as_ref().map(AsRef::as_ref) == Some("reviewer")
                && audit.action == "user_agent.updated"
                && audit.actor == user.to_string()
                && audit.target.as_deref() == Some("agent:code-reviewer")
                && !audit.details.values().any(|value| value == "new")
        })
        .times(1)
        .returning(|_, _| Ok(true));
    let patch = object(json!({"system_prompt": "new", "tools": ["web_search"], "agent_type": "reviewer"}));
    let agent = service(agents).update(&actor(user), user, "code-reviewer", patch).await.unwrap();
    assert_eq!(agent.config.model, MODEL);
}

#[tokio::test]
async fn an_update_that_changes_nothing_writes_nothing() {
    let user = UserId::new();
    let mut agents = MockUserAgentRepository::new();
    agents.expect_find().returning(move |_, _| Ok(Some(stored(user))));
    agents.expect_update().never();
    let patch = object(json!({"system_prompt": "old", "name": "code-reviewer"}));
    let agent = service(agents).update(&actor(user), user, "code-reviewer", patch).await.unwrap();
    assert_eq!(agent.config.system_prompt.as_deref(), Some("old"));
}

#[tokio::test]
async fn an_update_to_an_unknown_model_or_a_new_name_is_refused() {
    let user = UserId::new();
    let mut agents = MockUserAgentRepository::new();
    agents.expect_find().returning(move |_, _| Ok(Some(stored(user))));
    agents.expect_update().never();
    let service = service(agents);
    let unknown = object(json!({"model": "deepseek-r1-distill-llama-70b"}));
    let err = service.update(&actor(user), user, "code-reviewer", unknown).await.unwrap_err();
    assert_eq!(err.to_string(), "Unknown model: 'deepseek-r1-distill-llama-70b'");
    let renamed = object(json!({"name": "other"}));
    let err = service.update(&actor(user), user, "code-reviewer", renamed).await.unwrap_err();
    assert_eq!(err.to_string(), "An agent cannot be renamed");
}

#[tokio::test]
async fn delete_writes_its_audit_entry() {
    let user = UserId::new();
    let mut agents = MockUserAgentRepository::new();
    agents.expect_find().returning(move |_, _| Ok(Some(stored(user))));
    agents
        .expect_delete()
        .withf(move |owner, name, audit| {
            *owner == user && name.as_ref() == "code-reviewer" && audit.action == "user_agent.deleted"
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    service(agents).delete(&actor(user), user, "code-reviewer").await.unwrap();
}

const DOCUMENT: &str = "name: support-agent\nmodel: llama-3.3-70b\ntools[1]: web_search\nrole: Support\n\
                        knowledge[2]: pricing,\"plans, tiers\"";

#[tokio::test]
async fn an_imported_agent_exports_as_the_document_it_came_from() {
    let user = UserId::new();
    let kept: Arc<Mutex<Option<UserAgent>>> = Arc::default();
    let mut agents = MockUserAgentRepository::new();
    let store = kept.clone();
    agents.expect_insert().withf(|_, audit| audit.action == "user_agent.created").times(1).returning(
        move |agent, _| {
            *store.lock().unwrap() = Some(agent.clone());
            Ok(())
        },
    );
    let store = kept.clone();
    agents.expect_find().returning(move |_, _| Ok(store.lock().unwrap().clone()));
    let service = service(agents);
    let agent = service.import(&actor(user), user, DOCUMENT).await.unwrap();
    assert_eq!((agent.name.as_ref(), agent.config.role.as_deref()), ("support-agent", Some("Support")));
    assert_eq!(service.export(user, "support-agent").await.unwrap(), DOCUMENT);
}

#[tokio::test]
async fn a_malformed_import_is_a_syntax_error_naming_the_line() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().never();
    let user = UserId::new();
    let service = service(agents);
    let err = service.import(&actor(user), user, "name: bot\nmodel llama").await.unwrap_err();
    assert!(matches!(&err, UserAgentError::Syntax(_)), "{err:?}");
    assert_eq!(err.to_string(), "Invalid TOON at line 2: expected 'key: value'");
    let err = service.import(&actor(user), user, "name: bot\nmodel: gpt-9").await.unwrap_err();
    assert!(matches!(&err, UserAgentError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn an_import_under_a_taken_name_is_a_duplicate() {
    let mut agents = MockUserAgentRepository::new();
    agents.expect_insert().returning(|_, _| Err(RepoError::Conflict(Conflict::AgentName)));
    let user = UserId::new();
    let err = service(agents).import(&actor(user), user, DOCUMENT).await.unwrap_err();
    assert_eq!(err.to_string(), "Agent with name 'support-agent' already exists");
}

#[tokio::test]
async fn every_call_is_scoped_by_the_callers_user_id() {
    let (owner, other) = (UserId::new(), UserId::new());
    let mut agents = MockUserAgentRepository::new();
    agents.expect_list().returning(move |user| Ok(if user == owner { vec![stored(owner)] } else { vec![] }));
    agents.expect_find().returning(move |user, _| Ok((user == owner).then(|| stored(owner))));
    agents.expect_update().never();
    agents.expect_delete().never();
    let service = service(agents);
    assert_eq!(service.list(owner).await.unwrap().len(), 1);
    assert!(service.list(other).await.unwrap().is_empty());
    assert!(service.get(owner, "code-reviewer").await.is_ok());
    let actor = actor(other);
    let not_found = |result: Result<(), UserAgentError>| matches!(result, Err(UserAgentError::NotFound(_)));
    assert!(not_found(service.get(other, "code-reviewer").await.map(drop)));
    assert!(not_found(service.export(other, "code-reviewer").await.map(drop)));
    let patch = object(json!({"model": MODEL}));
    assert!(not_found(service.update(&actor, other, "code-reviewer", patch).await.map(drop)));
    assert!(not_found(service.delete(&actor, other, "code-reviewer").await));
}
