//! A bounded fuzz of every V1 and Admin route, on both databases: each route gets a fixed number of hostile
//! variations of a valid request (a field replaced by NUL and control characters, bidirectional overrides, huge
//! strings, extreme numbers or the wrong JSON type; a field left out; a body that is not JSON, not UTF-8 or nested
//! too deeply; hostile path segments and paging values). A seeded generator makes every run the same. No answer may
//! be a server error: bad input is always the client's 4xx.

use ares_llm::testing::Reply;
use ares_store::Backend;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::fixture::{Client, completion};

with_each_backend!(no_route_answers_hostile_input_with_a_server_error);

/// Variations tried per route.
const VARIATIONS: usize = 24;

/// A small deterministic generator (xorshift64*): the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings no name or label may hold, or that stress whatever holds them.
fn hostile_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        " ",
        "\u{0}",
        "a\u{0}b",
        "\n",
        "line\r\nbreak",
        "\u{7}",
        "x\u{202E}gnp.exe",
        "\u{2066}\u{2069}",
        "\u{FEFF}",
        "💥🔥",
        "%00",
        "../../etc/passwd",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "\\",
        "null",
        "-1",
        "1e309",
        "ares_",
        "agent/",
        "agent/\u{0}",
        "llama-3.3-70b\u{0}",
        "ftp://x",
        "http://\u{0}",
    ]
    .map(str::to_owned)
    .to_vec();
    strings.push("x".repeat(10_000));
    strings.push("é".repeat(300));
    strings
}

/// JSON values of every type and extreme size.
fn hostile_values() -> Vec<Value> {
    let nested = (0..200).fold(json!(1), |inner, _| json!([inner]));
    let wide: Map<String, Value> = (0..500).map(|i| (format!("k{i}"), json!(i))).collect();
    let mut values: Vec<Value> = hostile_strings().into_iter().map(Value::String).collect();
    values.extend([
        json!(-1),
        json!(0),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e308),
        json!(-1e308),
        json!(0.5),
        json!(4_294_967_296_u64),
        Value::Null,
        json!(true),
        json!([]),
        json!({}),
        json!([Value::Null, "x", 1]),
        nested,
        Value::Object(wide),
    ]);
    values
}

/// Raw bodies that are not a JSON object at all.
fn hostile_bodies() -> Vec<Vec<u8>> {
    vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"text\"".to_vec(),
        b"123".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"{\"name\": \"\xc3\x28\"}".to_vec(),
        format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        b"{\"a\":1}{\"b\":2}".to_vec(),
    ]
}

/// Path segments that name nothing, or try to escape their segment.
const HOSTILE_SEGMENTS: [&str; 12] = [
    "%00",
    "a%00b",
    "%0A",
    "%E2%80%AE",
    "%FF",
    "..",
    "%2e%2e%2f",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "%20",
    "a%2Fb",
    "-1",
];

/// Paging values outside what is allowed.
const HOSTILE_PAGES: [&str; 8] = ["0", "-1", "abc", "18446744073709551616", "1e3", "%00", "", "999999999999"];

/// A route, a valid request to it, and the valid values of its path segments (`{}` in order).
struct Route {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    paged: bool,
    admin: bool,
}

fn route(method: Method, path: &'static str, body: Option<Value>) -> Route {
    Route { method, path, body, paged: false, admin: path.starts_with("/api/admin") }
}

fn paged(method: Method, path: &'static str) -> Route {
    Route { paged: true, ..route(method, path, None) }
}

fn agent_config() -> Value {
    json!({"model": "llama-3.3-70b", "max_tokens": 100, "temperature": 0.5, "tools": ["calculator"],
           "system_prompt": "Be brief."})
}

fn provider_body() -> Value {
    json!({"id": "fz-p", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-fuzz",
           "models": [{"id": "m", "name": "fz-m", "tier": "fast", "context_length": 1000, "fallbacks": []}],
           "limits": {"requests_per_day": 10, "tokens_per_minute": 100},
           "network": {"request_timeout_seconds": 1, "max_retries": 0}})
}

fn chat_body() -> Value {
    json!({"messages": [{"role": "user", "content": "Hi"}], "model": "llama-3.3-70b", "max_tokens": 16,
           "temperature": 0.5, "stream": false})
}

/// Every V1 and Admin route. The provider whose models are refreshed is left out: refreshing asks the upstream,
/// and an upstream that answers nonsense is a 502 by contract (its paths with hostile ids are fuzzed through the
/// other provider routes).
fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        route(M::GET, "/health", None),
        route(M::GET, "/health/ready", None),
        route(M::GET, "/v1/agents", None),
        route(M::GET, "/v1/agents/{}", None),
        route(M::POST, "/v1/agents/{}/run", Some(json!({"input": {"message": "score this", "amount": 10}}))),
        paged(M::GET, "/v1/agents/{}/runs"),
        route(M::POST, "/v1/chat", Some(chat_body())),
        route(M::POST, "/v1/chat/stream", Some(json!({"message": "Hi", "model": "llama-3.3-70b", "max_tokens": 8}))),
        route(
            M::POST,
            "/v1/chat/completions",
            Some(json!({"model": "llama-3.3-70b", "top_p": 1, "stop": ["x"],
            "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8, "seed": 1, "stream": false})),
        ),
        route(M::GET, "/v1/models", None),
        route(M::GET, "/v1/models/{}", None),
        route(M::GET, "/v1/usage", None),
        paged(M::GET, "/v1/api-keys"),
        route(M::POST, "/v1/api-keys", Some(json!({"name": "fuzz", "expires_in_days": 30}))),
        route(M::DELETE, "/v1/api-keys/{}", None),
        route(M::GET, "/api/admin/tenants", None),
        route(M::POST, "/api/admin/tenants", Some(json!({"name": "fz-new", "tier": "dev"}))),
        route(M::GET, "/api/admin/tenants/{}", None),
        route(M::PUT, "/api/admin/tenants/{}/quota", Some(json!({"tier": "enterprise"}))),
        route(
            M::POST,
            "/api/admin/provision-client",
            Some(json!({"name": "fz-client", "tier": "dev",
            "product_type": "kasino", "api_key_name": "k"})),
        ),
        paged(M::GET, "/api/admin/tenants/{}/api-keys"),
        route(M::POST, "/api/admin/tenants/{}/api-keys", Some(json!({"name": "k", "expires_in_days": 7}))),
        route(M::GET, "/api/admin/tenants/{}/agents", None),
        route(
            M::POST,
            "/api/admin/tenants/{}/agents",
            Some(json!({"name": "fz-agent", "agent_type": "classifier",
            "config": agent_config()})),
        ),
        route(M::PUT, "/api/admin/tenants/{}/agents/{}", Some(json!({"config": agent_config(), "status": "active"}))),
        route(M::DELETE, "/api/admin/tenants/{}/agents/{}", None),
        route(M::GET, "/api/admin/agent-templates", None),
        route(M::GET, "/api/admin/models", None),
        route(M::GET, "/api/admin/providers", None),
        route(M::POST, "/api/admin/providers", Some(provider_body())),
        route(M::GET, "/api/admin/providers/{}", None),
        route(M::PUT, "/api/admin/providers/{}", Some(provider_body())),
        route(M::DELETE, "/api/admin/providers/{}", None),
        route(M::POST, "/api/admin/providers/{}/enable", None),
        route(M::POST, "/api/admin/providers/{}/disable", None),
    ]
}

/// The valid values of the path segments a route names.
struct Names {
    tenant: String,
    agent: &'static str,
    provider: &'static str,
}

impl Names {
    /// The valid segments of `path`, in order.
    fn of(&self, path: &str) -> Vec<String> {
        let valid = |after: &str| match after {
            a if a.starts_with("/api/admin/tenants/{}/agents/") => self.agent.to_owned(),
            a if a.starts_with("/api/admin/tenants/") => self.tenant.clone(),
            a if a.starts_with("/api/admin/providers/") => self.provider.to_owned(),
            a if a.starts_with("/v1/agents/") => self.agent.to_owned(),
            a if a.starts_with("/v1/models/") => "llama-3.3-70b".to_owned(),
            _ => "00000000-0000-0000-0000-000000000001".to_owned(),
        };
        path.match_indices("{}").map(|(at, _)| valid(&path[..at])).collect()
    }
}

/// One request: where it goes and what it carries.
struct Case {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    admin: bool,
}

/// The `n`-th variation of `route`.
fn variation(route: &Route, names: &Names, rng: &mut Rng) -> Case {
    let mut segments = names.of(route.path);
    let mut body = route.body.clone().map(|b| serde_json::to_vec(&b).unwrap());
    let mut query = String::new();
    match rng.below(4) {
        0 if !segments.is_empty() => {
            let which = rng.below(segments.len());
            segments[which] = (*rng.pick(&HOSTILE_SEGMENTS)).to_owned();
        }
        1 if route.paged => {
            query = format!("?page={}&per_page={}", rng.pick(&HOSTILE_PAGES), rng.pick(&HOSTILE_PAGES));
        }
        2 if body.is_some() => body = Some(rng.pick(&hostile_bodies()).clone()),
        _ => {
            if let Some(valid) = &route.body {
                body = Some(serde_json::to_vec(&mutate(valid, rng)).unwrap());
            } else if !segments.is_empty() {
                let hostile: String = rng.pick(&hostile_strings()).clone();
                segments[0] = percent_encoded(&hostile);
            }
        }
    }
    let mut path = route.path.to_owned();
    for segment in segments {
        path = path.replacen("{}", &segment, 1);
    }
    Case { method: route.method.clone(), path: path + &query, body, admin: route.admin }
}

/// `valid` with one field, at any depth, replaced by a hostile value or left out.
fn mutate(valid: &Value, rng: &mut Rng) -> Value {
    let mut body = valid.clone();
    let mut at = &mut body;
    loop {
        let keys: Vec<String> = match at {
            Value::Object(map) if !map.is_empty() => map.keys().cloned().collect(),
            _ => break,
        };
        let key = rng.pick(&keys).clone();
        let Value::Object(map) = at else { break };
        if rng.below(3) == 0 || !matches!(map[&key], Value::Object(_)) {
            if rng.below(5) == 0 {
                map.remove(&key);
            } else {
                map.insert(key, rng.pick(&hostile_values()).clone());
            }
            break;
        }
        at = map.get_mut(&key).unwrap();
    }
    body
}

fn percent_encoded(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn no_route_answers_hostile_input_with_a_server_error(backend: Backend) {
    let client = Client::start(backend, vec![Reply::json(200, &completion("Hello!", 9, 3))], "").await;
    let (tenant, key) = client.tenant("fz-corp", "enterprise").await;
    let created = client.app.admin(Method::POST, "/api/admin/providers").json(&provider_body()).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let names = Names { tenant, agent: "kasino-risk", provider: "fz-p" };
    let mut failures = Vec::new();
    let mut sent = 0;
    for (index, route) in routes().iter().enumerate() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
        for _ in 0..VARIATIONS {
            let case = variation(route, &names, &mut rng);
            let (status, answer) = send(&client, &key, &case).await;
            sent += 1;
            if status >= 500 {
                let body = case.body.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
                failures.push(format!("{} {} {:.200} -> {status} {answer:.300}", case.method, case.path, body));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {sent} requests got a server error:\n{}", failures.len(), failures.join("\n"));
}

async fn send(client: &Client, key: &str, case: &Case) -> (u16, String) {
    let request = if case.admin {
        client.app.admin(case.method.clone(), &case.path)
    } else {
        client.app.client_request(key, case.method.clone(), &case.path)
    };
    let request = match &case.body {
        Some(body) => request.header("content-type", "application/json").body(body.clone()),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}
