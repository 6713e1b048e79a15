//! Tests of `ChatService::prepare` over mock ports: which agent speaks, its prompt and model, the conversation's
//! earlier turns trimmed to the model's context window, a user's memories, and the chats refused.

use std::sync::Arc;
use std::time::Duration;

use ares_domain::conversation::{memory_prompt, title_from};
use ares_domain::{
    AccountId, Agent, AgentConfig, AgentName, AgentStatus, AgentType, ApiKeyId, Conversation, ConversationId,
    Credential, MaxTokens, Memory, MemoryId, MemoryKind, Message, ModelSpec, NetworkConfig, PlatformAgent, Provider,
    ProviderKind, ProviderLimits, ProviderName, ProviderSource, TenantId, Tier, ToolSettings, UserAgent, UserId,
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::ports::{
    ChatMessage, MockAgentRepository, MockChatModel, MockClock, MockConversationRepository, MockMemoryRepository,
    MockProviderConnector, MockTimer, MockUserAgentRepository, Role, ToolChoice, ToolSpec,
};
use crate::usecases::{RoutingPolicy, ToolCatalog};

/// The model agents use, with a roomy window.
const FAST: &str = "fast";
/// A model whose context window holds 200 tokens.
const SMALL: &str = "small";
const SMALL_WINDOW: u32 = 200;
const DEFAULT_MAX_TOKENS: u32 = 1024;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 13, 12, 0, 0).unwrap()
}

fn config(value: Value) -> AgentConfig {
    AgentConfig::from_json(value.as_object().cloned().unwrap()).unwrap()
}

fn prompted(prompt: &str) -> AgentConfig {
    config(json!({"model": FAST, "system_prompt": prompt}))
}

fn name(raw: &str) -> AgentName {
    AgentName::parse(raw).unwrap()
}

fn tenant_agent(tenant_id: TenantId, agent_name: &str, agent_type: &str, prompt: &str) -> Agent {
    Agent::new(tenant_id, name(agent_name), AgentType::parse(agent_type).unwrap(), prompted(prompt), now())
}

fn platform_agent(agent_name: &str, prompt: &str) -> PlatformAgent {
    PlatformAgent { name: name(agent_name), description: String::new(), config: prompted(prompt) }
}

fn user_agent(user_id: UserId, agent_name: &str, prompt: &str) -> UserAgent {
    UserAgent {
        user_id,
        name: name(agent_name),
        agent_type: None,
        config: prompted(prompt),
        created_at: now(),
        updated_at: now(),
    }
}

fn model(model_name: &str, context_length: u32) -> ModelSpec {
    ModelSpec::configured(
        format!("{model_name}-upstream"),
        Some(model_name.into()),
        Some(context_length),
        None,
        None,
        vec![],
    )
    .unwrap()
}

fn provider() -> Provider {
    Provider {
        name: ProviderName::parse("p").unwrap(),
        kind: ProviderKind::OpenAi,
        base_url: None,
        credential: Credential::None,
        models: vec![model(FAST, 8192), model(SMALL, SMALL_WINDOW)],
        limits: ProviderLimits::default(),
        network: NetworkConfig::default(),
        enabled: true,
        source: ProviderSource::Config,
        discovered_models: vec![],
        models_refreshed_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// The ports a test sets expectations on; a mock left without any panics when it is called.
#[derive(Default)]
struct Ports {
    agents: MockAgentRepository,
    user_agents: MockUserAgentRepository,
    conversations: MockConversationRepository,
    memories: MockMemoryRepository,
    platform: Vec<PlatformAgent>,
}

fn service(ports: Ports) -> ChatService {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    let clock: Arc<dyn Clock> = Arc::new(clock);
    // `prepare` calls no model: the client has no expectations.
    let mut connector = MockProviderConnector::new();
    connector.expect_connect().returning(|_| Ok(Arc::new(MockChatModel::new())));
    let timer = Arc::new(MockTimer::new());
    let router = ModelRouter::new(Arc::new(connector), clock.clone(), timer.clone(), RoutingPolicy::default());
    router.reload(vec![provider()]);
    let router = Arc::new(router);
    let coordinator = ToolCoordinator::new(
        router.clone(),
        Arc::new(ToolCatalog::new()),
        timer,
        clock.clone(),
        ToolSettings::default(),
    );
    let directory = AgentDirectory::new(Arc::new(ports.agents), clock.clone(), Duration::from_secs(60));
    ChatService::new(
        ChatPorts {
            directory: Arc::new(directory),
            coordinator: Arc::new(coordinator),
            router,
            platform: Arc::new(PlatformAgents::new(ports.platform)),
            user_agents: Arc::new(ports.user_agents),
            conversations: Arc::new(ports.conversations),
            memories: Arc::new(ports.memories),
            clock,
            user_tools: vec!["calculator".to_owned()],
        },
        DEFAULT_MAX_TOKENS,
    )
}

fn tenant_caller(tenant_id: TenantId) -> Caller {
    Caller::api_key(tenant_id, ApiKeyId::new(), Tier::Pro)
}

fn user_caller(user_id: UserId) -> Caller {
    Caller::user(user_id, Tier::Free)
}

/// "Hi" to the agent of type (or name) `label`.
fn to_agent(label: &str) -> ChatInput {
    ChatInput {
        messages: vec![InputMessage::User("Hi".into())],
        agent: Some(AgentChoice::Type(label.into())),
        ..ChatInput::default()
    }
}

/// `text` to the model `model`.
fn to_model(model: &str, text: &str) -> ChatInput {
    ChatInput { messages: vec![InputMessage::User(text.into())], model: Some(model.into()), ..ChatInput::default() }
}

fn with_agents(agents: Vec<Agent>) -> MockAgentRepository {
    let mut repository = MockAgentRepository::new();
    repository.expect_all().returning(move |_| Ok(agents.clone()));
    repository
}

/// A memory repository that must not be read.
fn unread_memories() -> MockMemoryRepository {
    let mut memories = MockMemoryRepository::new();
    memories.expect_list().times(0);
    memories
}

fn no_memories() -> MockMemoryRepository {
    let mut memories = MockMemoryRepository::new();
    memories.expect_list().returning(|_| Ok(vec![]));
    memories
}

/// A user agent repository that must not be read.
fn unread_user_agents() -> MockUserAgentRepository {
    let mut user_agents = MockUserAgentRepository::new();
    user_agents.expect_find().times(0);
    user_agents
}

fn message(speaker: Author, content: &str) -> Message {
    Message { speaker, content: content.into(), at: now() }
}

fn conversation(id: ConversationId, owner: AccountId) -> Conversation {
    Conversation { id, owner, title: "Earlier".into(), agent: None, messages: 2, created_at: now(), updated_at: now() }
}

/// A repository holding conversation `id` of `owner` with `history`; other owners and ids find nothing.
fn holding(owner: AccountId, id: ConversationId, history: Vec<Message>) -> MockConversationRepository {
    let mut conversations = MockConversationRepository::new();
    conversations.expect_get().returning(move |asked_owner, asked_id| {
        Ok((asked_owner == owner && asked_id == id).then(|| (conversation(id, owner), history.clone())))
    });
    conversations
}

fn contents(request: &ChatRequest) -> Vec<(Role, &str)> {
    request.messages.iter().map(|m| (m.role, m.content.as_str())).collect()
}

// Which agent speaks for a tenant.

#[tokio::test]
async fn a_tenants_agent_named_so_speaks_before_its_agent_of_that_type() {
    let tenant = TenantId::new();
    let agents = vec![tenant_agent(tenant, "b", "x", "by type"), tenant_agent(tenant, "x", "other", "by name")];
    let ports = Ports {
        agents: with_agents(agents),
        memories: unread_memories(),
        user_agents: unread_user_agents(),
        platform: vec![platform_agent("x", "platform")],
        ..Ports::default()
    };
    let chat = service(ports).prepare(&tenant_caller(tenant), to_agent("x")).await.unwrap();
    let agent = chat.agent.unwrap();
    assert_eq!((agent.name.as_str(), chat.request.system.as_deref()), ("x", Some("by name")));
}

#[tokio::test]
async fn without_one_named_so_the_tenants_agent_of_that_type_speaks_before_the_platforms() {
    let tenant = TenantId::new();
    let agents = vec![tenant_agent(tenant, "a", "other", "unrelated"), tenant_agent(tenant, "b", "x", "by type")];
    let ports =
        Ports { agents: with_agents(agents), platform: vec![platform_agent("x", "platform")], ..Ports::default() };
    let chat = service(ports).prepare(&tenant_caller(tenant), to_agent("x")).await.unwrap();
    assert_eq!((chat.agent.unwrap().name.as_str(), chat.request.system.as_deref()), ("b", Some("by type")));
}

#[tokio::test]
async fn without_an_agent_of_its_own_a_tenant_speaks_to_the_platform_agent_of_that_name() {
    let tenant = TenantId::new();
    let ports = Ports {
        agents: with_agents(vec![tenant_agent(tenant, "y", "y", "unrelated")]),
        platform: vec![platform_agent("w", "another"), platform_agent("x", "platform")],
        ..Ports::default()
    };
    let chat = service(ports).prepare(&tenant_caller(tenant), to_agent("x")).await.unwrap();
    let agent = chat.agent.unwrap();
    assert_eq!((agent.name.as_str(), agent.status), ("x", AgentStatus::Active));
    assert_eq!(chat.request.system.as_deref(), Some("platform"));
}

#[tokio::test]
async fn an_agent_neither_the_tenant_nor_the_platform_has_is_not_found() {
    let tenant = TenantId::new();
    let ports = Ports {
        agents: with_agents(vec![tenant_agent(tenant, "y", "y", "unrelated")]),
        platform: vec![platform_agent("w", "another")],
        ..Ports::default()
    };
    let err = service(ports).prepare(&tenant_caller(tenant), to_agent("x")).await.unwrap_err();
    assert!(matches!(&err, ChatError::AgentNotFound(label) if label == "x"), "{err:?}");
}

#[tokio::test]
async fn an_agent_chosen_by_name_is_not_looked_for_by_type() {
    let tenant = TenantId::new();
    let ports = Ports { agents: with_agents(vec![tenant_agent(tenant, "b", "x", "by type")]), ..Ports::default() };
    let input = ChatInput { agent: Some(AgentChoice::Name(name("x"))), ..to_agent("x") };
    let err = service(ports).prepare(&tenant_caller(tenant), input).await.unwrap_err();
    assert!(matches!(&err, ChatError::AgentNotFound(label) if label == "x"), "{err:?}");
}

#[tokio::test]
async fn a_disabled_tenant_agent_is_refused_even_when_the_platform_has_one_of_that_name() {
    let tenant = TenantId::new();
    let mut disabled = tenant_agent(tenant, "x", "x", "off");
    disabled.status = AgentStatus::Disabled;
    let ports = Ports {
        agents: with_agents(vec![disabled]),
        platform: vec![platform_agent("x", "platform")],
        ..Ports::default()
    };
    let err = service(ports).prepare(&tenant_caller(tenant), to_agent("x")).await.unwrap_err();
    assert!(matches!(&err, ChatError::AgentDisabled(label) if label == "x"), "{err:?}");
}

// Which agent speaks for a user.

/// A tenant agent repository that must not be read.
fn unread_tenant_agents() -> MockAgentRepository {
    let mut agents = MockAgentRepository::new();
    agents.expect_all().times(0);
    agents.expect_find().times(0);
    agents.expect_list().times(0);
    agents
}

#[tokio::test]
async fn a_users_own_agent_speaks_before_the_platforms() {
    let user = UserId::new();
    let mut user_agents = MockUserAgentRepository::new();
    user_agents
        .expect_find()
        .withf(move |owner, agent_name| *owner == user && agent_name.as_ref() == "x")
        .times(1)
        .returning(move |_, _| Ok(Some(user_agent(user, "x", "mine"))));
    let ports = Ports {
        agents: unread_tenant_agents(),
        user_agents,
        memories: no_memories(),
        platform: vec![platform_agent("x", "platform")],
        ..Ports::default()
    };
    let chat = service(ports).prepare(&user_caller(user), to_agent("x")).await.unwrap();
    let agent = chat.agent.unwrap();
    assert_eq!((agent.name.as_str(), agent.status), ("x", AgentStatus::Active));
    assert_eq!(chat.request.system.as_deref(), Some("mine"));
}

#[tokio::test]
async fn a_users_agent_keeps_only_the_tools_users_may_have() {
    let user = UserId::new();
    let mut user_agents = MockUserAgentRepository::new();
    user_agents.expect_find().returning(move |_, _| {
        let mut agent = user_agent(user, "x", "mine");
        agent.config.tools = vec!["calculator".into(), "crm_lookup".into()];
        Ok(Some(agent))
    });
    let ports = Ports { agents: unread_tenant_agents(), user_agents, memories: no_memories(), ..Ports::default() };
    let chat = service(ports).prepare(&user_caller(user), to_agent("x")).await.unwrap();
    assert_eq!(chat.agent.unwrap().config.tools, ["calculator"], "an operator's tool is not a user's");
}

#[tokio::test]
async fn without_an_agent_of_their_own_a_user_speaks_to_the_platforms() {
    let user = UserId::new();
    let mut user_agents = MockUserAgentRepository::new();
    user_agents
        .expect_find()
        .withf(move |owner, agent_name| *owner == user && agent_name.as_ref() == "x")
        .times(1)
        .returning(|_, _| Ok(None));
    let ports = Ports {
        agents: unread_tenant_agents(),
        user_agents,
        memories: no_memories(),
        platform: vec![platform_agent("x", "platform")],
        ..Ports::default()
    };
    let chat = service(ports).prepare(&user_caller(user), to_agent("x")).await.unwrap();
    assert_eq!((chat.agent.unwrap().name.as_str(), chat.request.system.as_deref()), ("x", Some("platform")));
}

#[tokio::test]
async fn an_agent_neither_the_user_nor_the_platform_has_is_not_found() {
    let user = UserId::new();
    let mut user_agents = MockUserAgentRepository::new();
    user_agents.expect_find().times(1).returning(|_, _| Ok(None));
    let ports = Ports {
        agents: unread_tenant_agents(),
        user_agents,
        memories: unread_memories(),
        platform: vec![platform_agent("w", "another")],
        ..Ports::default()
    };
    let err = service(ports).prepare(&user_caller(user), to_agent("x")).await.unwrap_err();
    assert!(matches!(&err, ChatError::AgentNotFound(label) if label == "x"), "{err:?}");
}

// The agent's prompt and model.

#[tokio::test]
async fn the_agents_instructions_are_the_system_prompt_and_its_model_the_requests() {
    let tenant = TenantId::new();
    let toon = config(json!({
        "model": SMALL,
        "system_prompt": "You help.",
        "role": "Support",
        "constraints": ["Be kind", "Never guess"],
        "tools": ["calculator"],
    }));
    let agent = Agent::new(tenant, name("x"), AgentType::parse("x").unwrap(), toon, now());
    let ports = Ports { agents: with_agents(vec![agent]), ..Ports::default() };
    let input = ChatInput {
        messages: vec![InputMessage::System("Be brief.".into()), InputMessage::User("Hi".into())],
        client_tools: ClientTools {
            tools: vec![ToolSpec { name: "lookup".into(), description: String::new(), parameters: json!({}) }],
            choice: ToolChoice::Required,
            parallel_calls: Some(false),
        },
        ..to_agent("x")
    };
    let chat = service(ports).prepare(&tenant_caller(tenant), input).await.unwrap();
    assert_eq!(
        chat.request.system.as_deref(),
        Some("You help.\n\nRole: Support\n\nConstraints:\n- Be kind\n- Never guess\n\nBe brief.")
    );
    assert_eq!(chat.request.model, SMALL);
    assert_eq!(contents(&chat.request), [(Role::User, "Hi")]);
    // An agent has tools of its own: the client's are not offered.
    assert!(chat.request.tools.is_empty(), "{:?}", chat.request.tools);
    assert_eq!((chat.request.tool_choice, chat.request.parallel_tool_calls), (ToolChoice::Auto, None));
    assert_eq!(chat.request.max_tokens, Some(DEFAULT_MAX_TOKENS));
}

#[tokio::test]
async fn a_model_named_by_the_client_overrides_the_agents() {
    let tenant = TenantId::new();
    let ports = Ports { agents: with_agents(vec![tenant_agent(tenant, "x", "x", "You help.")]), ..Ports::default() };
    let input = ChatInput { model: Some(SMALL.into()), ..to_agent("x") };
    let chat = service(ports).prepare(&tenant_caller(tenant), input).await.unwrap();
    assert_eq!((chat.request.model.as_str(), chat.request.system.as_deref()), (SMALL, Some("You help.")));
}

#[tokio::test]
async fn without_an_agent_the_clients_model_and_tools_are_used() {
    let tools = ClientTools {
        tools: vec![ToolSpec { name: "lookup".into(), description: String::new(), parameters: json!({}) }],
        choice: ToolChoice::Required,
        parallel_calls: Some(false),
    };
    let input = ChatInput { client_tools: tools.clone(), ..to_model(SMALL, "Hi") };
    let chat = service(Ports::default()).prepare(&tenant_caller(TenantId::new()), input).await.unwrap();
    assert!(chat.agent.is_none());
    assert_eq!((chat.request.model.as_str(), chat.request.system.as_deref()), (SMALL, None));
    assert_eq!(
        (chat.request.tools, chat.request.tool_choice, chat.request.parallel_tool_calls),
        (tools.tools, tools.choice, tools.parallel_calls)
    );
}

// Conversations.

#[tokio::test]
async fn a_new_conversation_gets_a_turn_of_the_callers_with_the_last_user_message() {
    let tenant = TenantId::new();
    let mut conversations = MockConversationRepository::new();
    conversations.expect_get().times(0);
    let ports = Ports {
        agents: with_agents(vec![tenant_agent(tenant, "x", "x", "You help.")]),
        conversations,
        ..Ports::default()
    };
    let said = "Plan my trip\nto Rome, please";
    let input = ChatInput {
        messages: vec![
            InputMessage::User("First question".into()),
            InputMessage::Assistant("First answer".into()),
            InputMessage::User(said.into()),
        ],
        conversation: Conversing::New,
        ..to_agent("x")
    };
    let service = service(ports);
    let caller = tenant_caller(tenant);
    let chat = service.prepare(&caller, input.clone()).await.unwrap();
    let turn = chat.turn.clone().unwrap();
    assert_eq!(turn.owner, AccountId::from(tenant));
    assert_eq!(turn.agent.as_deref(), Some("x"));
    assert_eq!((turn.title.as_deref(), turn.title.clone()), (Some("Plan my trip"), Some(title_from(said))));
    assert_eq!((turn.user.as_str(), turn.assistant.as_str(), turn.at), (said, "", now()));
    assert_eq!(chat.context_id(), Some(turn.conversation));
    let again = service.prepare(&caller, input).await.unwrap();
    assert_ne!(again.context_id(), Some(turn.conversation), "each new conversation has an id of its own");
    // A new conversation has no earlier turns: the messages are the client's.
    assert_eq!(
        contents(&chat.request),
        [(Role::User, "First question"), (Role::Assistant, "First answer"), (Role::User, said)]
    );
}

#[tokio::test]
async fn a_new_conversation_without_an_agent_names_none() {
    let user = UserId::new();
    let ports = Ports { memories: no_memories(), ..Ports::default() };
    let input = ChatInput { conversation: Conversing::New, ..to_model(FAST, "Hello") };
    let turn = service(ports).prepare(&user_caller(user), input).await.unwrap().turn.unwrap();
    assert_eq!((turn.owner, turn.agent, turn.title.as_deref()), (AccountId::from(user), None, Some("Hello")));
}

#[tokio::test]
async fn a_chat_not_kept_has_no_turn() {
    let mut conversations = MockConversationRepository::new();
    conversations.expect_get().times(0);
    let ports = Ports { conversations, ..Ports::default() };
    let chat = service(ports).prepare(&tenant_caller(TenantId::new()), to_model(FAST, "Hello")).await.unwrap();
    assert_eq!((chat.context_id(), chat.turn), (None, None));
}

#[tokio::test]
async fn a_continued_conversation_puts_its_earlier_turns_before_the_new_message() {
    let tenant = TenantId::new();
    let id = ConversationId::new();
    let history = vec![
        message(Author::User, "Earlier question"),
        message(Author::Assistant, "Earlier answer"),
        message(Author::User, "Later question"),
        message(Author::Assistant, "Later answer"),
    ];
    let mut conversations = MockConversationRepository::new();
    let owner = AccountId::from(tenant);
    conversations
        .expect_get()
        .withf(move |asked_owner, asked_id| *asked_owner == owner && *asked_id == id)
        .times(1)
        .returning(move |_, _| Ok(Some((conversation(id, owner), history.clone()))));
    let ports = Ports {
        agents: with_agents(vec![tenant_agent(tenant, "x", "x", "You help.")]),
        conversations,
        ..Ports::default()
    };
    let input = ChatInput {
        messages: vec![InputMessage::User("New question".into())],
        conversation: Conversing::Continue(id),
        ..to_agent("x")
    };
    let chat = service(ports).prepare(&tenant_caller(tenant), input).await.unwrap();
    assert_eq!(
        contents(&chat.request),
        [
            (Role::User, "Earlier question"),
            (Role::Assistant, "Earlier answer"),
            (Role::User, "Later question"),
            (Role::Assistant, "Later answer"),
            (Role::User, "New question"),
        ]
    );
    assert_eq!(chat.request.system.as_deref(), Some("You help."));
    let turn = chat.turn.unwrap();
    assert_eq!((turn.conversation, turn.owner, turn.user.as_str()), (id, owner, "New question"));
}

#[tokio::test]
async fn a_conversation_the_store_does_not_return_is_not_found() {
    let tenant = TenantId::new();
    let mut conversations = MockConversationRepository::new();
    conversations.expect_get().times(1).returning(|_, _| Ok(None));
    let ports = Ports { conversations, ..Ports::default() };
    let input = ChatInput { conversation: Conversing::Continue(ConversationId::new()), ..to_model(FAST, "Hi") };
    let err = service(ports).prepare(&tenant_caller(tenant), input).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationNotFound), "{err:?}");
}

#[tokio::test]
async fn a_conversation_is_read_as_the_callers_account_so_a_users_is_not_a_tenants() {
    let user = UserId::new();
    let tenant = TenantId::new();
    let id = ConversationId::new();
    let history = vec![message(Author::User, "Mine"), message(Author::Assistant, "Yours")];
    let input = || ChatInput { conversation: Conversing::Continue(id), ..to_model(FAST, "Again") };

    let ports = Ports {
        conversations: holding(AccountId::from(user), id, history.clone()),
        memories: no_memories(),
        ..Ports::default()
    };
    let chat = service(ports).prepare(&user_caller(user), input()).await.unwrap();
    assert_eq!(contents(&chat.request), [(Role::User, "Mine"), (Role::Assistant, "Yours"), (Role::User, "Again")]);
    assert_eq!(chat.turn.unwrap().owner, AccountId::from(user));

    let ports = Ports { conversations: holding(AccountId::from(user), id, history), ..Ports::default() };
    let err = service(ports).prepare(&tenant_caller(tenant), input()).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationNotFound), "{err:?}");
}

// Trimming the history to the model's context window.

/// 300 characters of history: two turns of 50 and 60 characters a message, then one of 40.
fn long_history() -> Vec<Message> {
    vec![
        message(Author::User, &"a".repeat(50)),
        message(Author::Assistant, &"b".repeat(50)),
        message(Author::User, &"c".repeat(60)),
        message(Author::Assistant, &"d".repeat(60)),
        message(Author::User, &"e".repeat(40)),
        message(Author::Assistant, &"f".repeat(40)),
    ]
}

const SYSTEM: usize = 50;
const SAID: usize = 50;

/// A chat with `model`, its answer bounded by `max_tokens`, continuing `long_history` with a system prompt and a
/// new message of 50 characters each.
async fn continued(model: &str, max_tokens: u32) -> ChatRequest {
    let tenant = TenantId::new();
    let id = ConversationId::new();
    let ports = Ports { conversations: holding(AccountId::from(tenant), id, long_history()), ..Ports::default() };
    let input = ChatInput {
        messages: vec![InputMessage::System("S".repeat(SYSTEM)), InputMessage::User("N".repeat(SAID))],
        model: Some(model.into()),
        sampling: Sampling { max_tokens: Some(MaxTokens::parse(max_tokens).unwrap()), ..Sampling::default() },
        conversation: Conversing::Continue(id),
        ..ChatInput::default()
    };
    service(ports).prepare(&tenant_caller(tenant), input).await.unwrap().request
}

/// The first letter of each message's text.
fn letters(request: &ChatRequest) -> String {
    request.messages.iter().map(|m| m.content.chars().next().unwrap_or('?')).collect()
}

#[tokio::test]
async fn the_oldest_turns_are_dropped_first_when_the_window_is_small() {
    // (200 - 100) tokens of 3 characters, less 100 of prompt: 200 characters of history, the newest two turns.
    let request = continued(SMALL, 100).await;
    assert_eq!(letters(&request), "cdefN");
    assert_eq!(request.messages.last(), Some(&ChatMessage::text(Role::User, "N".repeat(SAID))));
    assert_eq!(request.system, Some("S".repeat(SYSTEM)));
    assert_eq!(request.max_tokens, Some(100));
}

#[tokio::test]
async fn a_reply_is_never_kept_without_the_message_it_answers() {
    // (200 - 115) * 3 - 100 = 155 characters: room for "dd..." (60) after the last turn (80), not for its question.
    let request = continued(SMALL, 115).await;
    assert_eq!(letters(&request), "efN");
}

#[tokio::test]
async fn the_system_prompt_and_the_new_message_stay_when_no_history_fits() {
    let request = continued(SMALL, SMALL_WINDOW).await;
    assert_eq!(contents(&request), [(Role::User, "N".repeat(SAID).as_str())]);
    assert_eq!(request.system, Some("S".repeat(SYSTEM)));
}

#[tokio::test]
async fn a_large_window_holds_the_whole_history() {
    assert_eq!(letters(&continued(FAST, 100).await), "abcdefN");
    // A model the router does not know is given 8192 tokens.
    assert_eq!(letters(&continued("unknown", 100).await), "abcdefN");
}

#[tokio::test]
async fn whatever_fits_is_the_newest_history_beginning_with_a_users_message() {
    let all = "abcdef";
    let mut previous = usize::MAX;
    for max_tokens in 1..=SMALL_WINDOW {
        let request = continued(SMALL, max_tokens).await;
        let kept = letters(&request);
        let history = kept.strip_suffix('N').unwrap_or_else(|| panic!("{max_tokens}: the new message went: {kept}"));
        assert!(all.ends_with(history), "{max_tokens}: not the newest turns: {kept}");
        assert_eq!(request.messages[0].role, Role::User, "{max_tokens}: a reply without its question: {kept}");
        assert_eq!(request.system, Some("S".repeat(SYSTEM)), "{max_tokens}");
        let budget = ((SMALL_WINDOW - max_tokens) as usize * 3).saturating_sub(SYSTEM + SAID);
        let used: usize = request.messages.iter().map(|m| m.content.len()).sum::<usize>() - SAID;
        assert!(used <= budget, "{max_tokens}: {used} characters of history for {budget}");
        assert!(history.len() <= previous, "{max_tokens}: a larger answer kept more history");
        previous = history.len();
    }
}

// A user's memories.

fn memory(user_id: UserId, kind: MemoryKind, content: &str) -> Memory {
    Memory { id: MemoryId::new(), user_id, kind, content: content.into(), source: None, created_at: now() }
}

#[tokio::test]
async fn a_users_memories_join_the_system_prompt_after_the_agents_instructions() {
    let user = UserId::new();
    let remembered =
        vec![memory(user, MemoryKind::Fact, "Lives in Oslo"), memory(user, MemoryKind::Preference, "Metric units")];
    let mut memories = MockMemoryRepository::new();
    let listed = remembered.clone();
    memories.expect_list().withf(move |owner| *owner == user).times(1).returning(move |_| Ok(listed.clone()));
    let mut user_agents = MockUserAgentRepository::new();
    user_agents.expect_find().returning(|_, _| Ok(None));
    let ports = Ports {
        agents: unread_tenant_agents(),
        user_agents,
        memories,
        platform: vec![platform_agent("x", "You help.")],
        ..Ports::default()
    };
    let chat = service(ports).prepare(&user_caller(user), to_agent("x")).await.unwrap();
    let expected = format!("You help.\n\n{}", memory_prompt(&remembered).unwrap());
    assert_eq!(chat.request.system.as_deref(), Some(expected.as_str()));
    assert!(expected.ends_with("\n- (fact) Lives in Oslo\n- (preference) Metric units"), "{expected}");
}

#[tokio::test]
async fn without_a_system_prompt_a_users_memories_are_the_system_prompt() {
    let user = UserId::new();
    let remembered = vec![memory(user, MemoryKind::Fact, "Lives in Oslo")];
    let mut memories = MockMemoryRepository::new();
    let listed = remembered.clone();
    memories.expect_list().times(1).returning(move |_| Ok(listed.clone()));
    let ports = Ports { memories, ..Ports::default() };
    let chat = service(ports).prepare(&user_caller(user), to_model(FAST, "Hi")).await.unwrap();
    assert_eq!(chat.request.system, memory_prompt(&remembered));
}

#[tokio::test]
async fn a_users_memories_count_against_the_room_left_for_history() {
    let user = UserId::new();
    let id = ConversationId::new();
    let remembered = vec![memory(user, MemoryKind::Fact, "Lives in Oslo")];
    let mut memories = MockMemoryRepository::new();
    let listed = remembered.clone();
    memories.expect_list().returning(move |_| Ok(listed.clone()));
    let ports =
        Ports { conversations: holding(AccountId::from(user), id, long_history()), memories, ..Ports::default() };
    let input = ChatInput {
        messages: vec![InputMessage::System("S".repeat(SYSTEM)), InputMessage::User("N".repeat(SAID))],
        model: Some(SMALL.into()),
        sampling: Sampling { max_tokens: Some(MaxTokens::parse(100).unwrap()), ..Sampling::default() },
        conversation: Conversing::Continue(id),
        ..ChatInput::default()
    };
    let request = service(ports).prepare(&user_caller(user), input).await.unwrap().request;
    // Without the memory 200 characters are left, for "cdef" (see above); the memory leaves less than 140.
    let memory = memory_prompt(&remembered).unwrap();
    assert!(200 - 2 - memory.len() < 140, "{memory}");
    assert_eq!(letters(&request), "efN");
    assert_eq!(request.system, Some(format!("{}\n\n{memory}", "S".repeat(SYSTEM))));
}

#[tokio::test]
async fn a_tenants_chat_reads_no_memories() {
    let tenant = TenantId::new();
    let ports = Ports {
        agents: with_agents(vec![tenant_agent(tenant, "x", "x", "You help.")]),
        memories: unread_memories(),
        ..Ports::default()
    };
    let chat = service(ports).prepare(&tenant_caller(tenant), to_agent("x")).await.unwrap();
    assert_eq!(chat.request.system.as_deref(), Some("You help."));
}

// Chats refused.

#[tokio::test]
async fn a_chat_without_a_user_message_is_refused_before_any_lookup() {
    let inputs = [
        ChatInput { messages: vec![], ..to_agent("x") },
        ChatInput {
            messages: vec![InputMessage::System("Be brief.".into()), InputMessage::Assistant("Hello".into())],
            ..to_agent("x")
        },
    ];
    for input in inputs {
        let ports = Ports {
            agents: unread_tenant_agents(),
            user_agents: unread_user_agents(),
            memories: unread_memories(),
            platform: vec![platform_agent("x", "platform")],
            ..Ports::default()
        };
        let err = service(ports).prepare(&user_caller(UserId::new()), input).await.unwrap_err();
        assert!(matches!(err, ChatError::NoMessages), "{err:?}");
    }
}

#[tokio::test]
async fn a_chat_with_neither_agent_nor_model_is_refused() {
    let input = ChatInput { messages: vec![InputMessage::User("Hi".into())], ..ChatInput::default() };
    let ports = Ports { memories: unread_memories(), ..Ports::default() };
    let err = service(ports).prepare(&tenant_caller(TenantId::new()), input).await.unwrap_err();
    assert!(matches!(err, ChatError::NoModel), "{err:?}");
}
