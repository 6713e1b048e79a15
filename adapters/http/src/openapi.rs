//! The OpenAPI 3.1 document of every route (`GET /openapi.json`), generated from the handlers' `#[utoipa::path]`
//! annotations and the views' schemas. The security of each family of routes and the answers every route of a
//! family can give (no credentials, a rate limit, a database that is down, a body that is not JSON) are added here
//! once, by path, so that each handler documents only what is its own.

use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, HeaderBuilder, ObjectBuilder, OneOfBuilder, Ref, RefOr, Schema, Type};
use utoipa::{Modify, OpenApi};

use crate::handlers::user_agents;
use crate::handlers::{
    agents, alerts, analytics, api_keys, audit, auth, chat, conversations, docs, health, memory, metrics, models,
    platform_agents, providers, provision, stats, templates, tenants, usage, users, v1,
};

/// The security scheme names the document uses.
const ADMIN_SECRET: &str = "admin_secret";
const API_KEY: &str = "api_key";
const JWT: &str = "jwt";

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "ARES",
        description = "Multi-tenant LLM platform. Operators manage tenants, agents, keys and providers through the \
                       Admin API (`X-Admin-Secret`); a tenant's applications call the V1 client API and the \
                       OpenAI-compatible API with `Authorization: Bearer ares_...`. Every V1 request is metered \
                       against the tenant's tier. Errors are `{\"error\": \"...\", \"code\": \"...\"}`, except on the \
                       OpenAI-compatible routes, which answer OpenAI's error shape.",
        license(name = "MIT")
    ),
    paths(
        health::get::handle, health::get::head, health::live::handle, health::live::head,
        health::ready::handle, health::ready::head,
        docs::document::handle, docs::redirect::handle, docs::page::handle,
        tenants::list::handle, tenants::create::handle, tenants::get::handle, tenants::update_quota::handle,
        provision::handle,
        api_keys::list::handle, api_keys::create::handle, api_keys::revoke::handle,
        agents::list::handle, agents::create::handle, agents::update::handle, agents::delete::handle,
        agents::all::handle, agents::runs::handle, agents::stats::handle,
        usage::month::handle, usage::daily::handle, stats::get::handle,
        alerts::list::handle, alerts::resolve::handle, audit::list::handle, metrics::prometheus::handle,
        analytics::timeseries::handle, analytics::breakdown::handle,
        users::list::handle, users::get::handle, users::update::handle,
        templates::list::handle, models::list::handle,
        providers::list::handle, providers::create::handle, providers::get::handle, providers::update::handle,
        providers::delete::handle, providers::enable::handle, providers::disable::handle,
        providers::refresh_models::handle,
        v1::agents::list::handle, v1::agents::get::handle, v1::agents::run::handle, v1::agents::runs::handle,
        v1::chat::complete::handle, v1::chat::stream::handle, v1::chat::completions::handle,
        v1::models::list::handle, v1::models::get::handle, v1::usage::handle,
        v1::api_keys::list::handle, v1::api_keys::create::handle, v1::api_keys::delete::handle,
        auth::register::handle, auth::login::handle, auth::refresh::handle, auth::logout::handle,
        platform_agents::handle, chat::send::handle, chat::stream::handle,
        conversations::list::handle, conversations::get::handle, conversations::update::handle,
        conversations::delete::handle, memory::list::handle, memory::delete::handle,
        user_agents::list::handle, user_agents::create::handle, user_agents::import::handle,
        user_agents::get::handle, user_agents::update::handle, user_agents::delete::handle,
        user_agents::export::handle,
    ),
    modifiers(&Security, &CommonAnswers),
    tags(
        (name = "health", description = "Liveness, readiness and dependency state"),
        (name = "docs", description = "This document and its interactive page"),
        (name = "tenants", description = "Admin: client companies, their tiers and figures"),
        (name = "api-keys", description = "Admin: a tenant's API keys"),
        (name = "agents", description = "Admin: a tenant's agents"),
        (name = "catalog", description = "Admin: agent templates and the models the platform serves"),
        (name = "providers", description = "Admin: model providers managed at runtime"),
        (name = "usage", description = "Admin: usage, runs and the platform's totals"),
        (name = "alerts", description = "Admin: alerts the platform raised"),
        (name = "audit", description = "Admin: every state change, and who made it"),
        (name = "metrics", description = "Admin: the Prometheus exposition, usage time series and breakdowns"),
        (name = "client", description = "V1: the calling tenant's agents, runs, chat, usage and keys"),
        (name = "openai", description = "OpenAI-compatible: chat completions and models, in OpenAI's shapes"),
        (name = "users", description = "Admin: end users, their tiers and whether they may sign in"),
        (name = "auth", description = "End users: register, sign in, refresh the access token, sign out"),
        (name = "user-agents", description = "End users: their own agents, and TOON import/export"),
        (name = "chat", description = "End users: chat with the platform's agents and their own, streamed or whole"),
        (name = "conversations", description = "End users: their conversations and what ARES remembers about them"),
    )
)]
pub(crate) struct ApiDoc;

/// The document as served, built once.
#[must_use]
pub(crate) fn document() -> &'static str {
    static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        describe_event_streams(&mut document);
        document.to_string()
    });
    &DOCUMENT
}

/// A `text/event-stream` answer is a sequence of events whose `data` is JSON of the schema the handler names, or
/// text when it names a string (OpenAPI 3.1 describes each event, `{data, event?, id?, retry?}`, not the stream);
/// an OpenAI stream ends with `data: [DONE]`.
fn describe_event_streams(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let done = Family::of(path) == Family::OpenAi;
        let operations = item.as_object_mut().into_iter().flat_map(|item| item.values_mut());
        let responses = operations.filter_map(|operation| operation.get_mut("responses")?.as_object_mut());
        for response in responses.flat_map(|responses| responses.values_mut()) {
            if let Some(schema) = response.pointer_mut("/content/text~1event-stream/schema") {
                *schema = event_schema(schema.take(), done);
            }
        }
    }
}

fn event_schema(payload: Value, done: bool) -> Value {
    if payload.get("type") == Some(&json!("string")) {
        return json!({
            "type": "object",
            "description": "One Server-Sent Event; its `data` is a chunk of text",
            "required": ["data"],
            "properties": {"data": {"type": "string"}, "event": {"type": "string"}},
        });
    }
    let json = json!({"type": "string", "contentMediaType": "application/json", "contentSchema": payload});
    let data = if done { json!({"anyOf": [{"const": "[DONE]"}, json]}) } else { json };
    json!({
        "type": "object",
        "description": "One Server-Sent Event; its `data` is one JSON object",
        "required": ["data"],
        "properties": {"data": data, "event": {"type": "string"}},
    })
}

/// The family a path belongs to, by its prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Open,
    Admin,
    Client,
    OpenAi,
    /// Signing in and out: no credentials but what the body holds.
    Account,
    /// A signed-in user's routes: an access token.
    User,
}

impl Family {
    fn of(path: &str) -> Family {
        if path.starts_with("/api/admin/") {
            Family::Admin
        } else if path == "/v1/chat/completions" || path == "/v1/models" || path.starts_with("/v1/models/") {
            Family::OpenAi
        } else if path.starts_with("/v1/") {
            Family::Client
        } else if path.starts_with("/api/auth/") {
            Family::Account
        } else if path.starts_with("/api/") && path != "/api/agents" {
            Family::User
        } else {
            Family::Open
        }
    }

    /// The schema of the family's error bodies.
    fn error_schema(self) -> &'static str {
        if self == Family::OpenAi { "ErrorBody" } else { "ErrorView" }
    }
}

/// The three ways to authenticate, and which routes take which.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let admin = ApiKeyValue::with_description("X-Admin-Secret", "The operator's admin secret (`API_KEY`).");
        components.add_security_scheme(ADMIN_SECRET, SecurityScheme::ApiKey(ApiKey::Header(admin)));
        let key = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("ares_...")
            .description(Some("A tenant's API key, `ares_` and 48 more characters."));
        components.add_security_scheme(API_KEY, SecurityScheme::Http(key.build()));
        let jwt = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("A signed-in user's access token (HS256, signed with `JWT_SECRET`)."));
        components.add_security_scheme(JWT, SecurityScheme::Http(jwt.build()));
        for (path, item) in openapi.paths.paths.iter_mut() {
            let scheme = match Family::of(path) {
                Family::Open | Family::Account => continue,
                Family::Admin => ADMIN_SECRET,
                Family::User => JWT,
                Family::Client | Family::OpenAi => API_KEY,
            };
            for operation in operations(item) {
                operation.security = Some(vec![SecurityRequirement::new(scheme, Vec::<String>::new())]);
            }
        }
    }
}

/// What any route of a family may answer besides its own results.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let family = Family::of(path);
            for operation in operations(item) {
                common_answers(operation, family);
                if matches!(family, Family::Client | Family::OpenAi | Family::User) {
                    quota_headers(operation);
                }
            }
        }
    }
}

/// The tenant's standing, sent with every answer of the metered API; a limit the tier does not have is not sent.
fn quota_headers(operation: &mut Operation) {
    const HEADERS: [(&str, Type, &str); 4] = [
        ("X-RateLimit-Limit", Type::Integer, "Requests a day the tier allows"),
        ("X-RateLimit-Remaining", Type::Integer, "Requests left today"),
        ("X-RateLimit-Reset", Type::String, "When the daily count starts again (RFC 3339, UTC)"),
        ("X-Quota-Tokens-Remaining", Type::Integer, "Tokens left this month"),
    ];
    let answers = operation.responses.responses.iter_mut().filter(|(status, _)| status.starts_with('2'));
    for response in answers.filter_map(|(_, response)| match response {
        RefOr::T(response) => Some(response),
        RefOr::Ref(_) => None,
    }) {
        for (name, kind, description) in HEADERS {
            let schema = ObjectBuilder::new().schema_type(kind);
            let header = HeaderBuilder::new().schema(Some(schema)).description(Some(description)).build();
            response.headers.entry(name.to_owned()).or_insert(RefOr::T(header));
        }
    }
}

/// Adds the answers any operation of `family` may give to those it documents itself.
fn common_answers(operation: &mut Operation, family: Family) {
    let mut answers = vec![("429", "Too many requests: the per-IP rate limit, or the tenant's quota or rate")];
    if !matches!(family, Family::Open | Family::Account) {
        answers.push(("401", "Missing or invalid credentials"));
    }
    if family == Family::User {
        answers.push(("403", "The user is disabled (`AUTH_ACCOUNT_DISABLED`)"));
    }
    if family != Family::Open {
        answers.push(("500", "An unexpected failure: its cause is logged, never answered"));
        answers.push(("503", "The database is unavailable (`Retry-After: 5`), or no provider can serve"));
    }
    if operation.request_body.is_some() {
        answers.push(("400", "The body is not JSON, or JSON of the wrong shape"));
        answers.push(("408", "The body did not arrive within `[server] body_timeout`"));
        answers.push(("413", "The body is larger than the limit"));
    }
    if operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query)) {
        answers.push(("400", "A query parameter that does not parse"));
    }
    for (status, description) in answers {
        let answers = &mut operation.responses.responses;
        answers.entry(status.to_owned()).or_insert_with(|| RefOr::T(error(description, family, status)));
    }
}

/// An error answer of `family`'s shape. The per-IP limit answers before any route, in the native shape, so an
/// OpenAI-compatible route's 429 may have either.
fn error(description: &str, family: Family, status: &str) -> Response {
    let schema: RefOr<Schema> = if family == Family::OpenAi && status == "429" {
        OneOfBuilder::new().item(Ref::from_schema_name("ErrorBody")).item(Ref::from_schema_name("ErrorView")).into()
    } else {
        Ref::from_schema_name(family.error_schema()).into()
    };
    let mut response =
        ResponseBuilder::new().description(description).content("application/json", Content::new(Some(schema)));
    if status == "429" || status == "503" {
        let seconds = ObjectBuilder::new().schema_type(Type::Integer);
        let header = HeaderBuilder::new()
            .schema(Some(seconds))
            .description(Some("Seconds to wait before trying again, when known"));
        response = response.header("Retry-After", header.build());
    }
    response.build()
}

/// The operations of a path, whatever their methods.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.head, &mut item.patch]
        .into_iter()
        .filter_map(Option::as_mut)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::routes::route_table;

    fn documented() -> BTreeSet<(String, String)> {
        let document: Value = serde_json::from_str(document()).unwrap_or_default();
        let mut operations = BTreeSet::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for method in item.as_object().into_iter().flatten().map(|(method, _)| method) {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    #[test]
    fn every_route_is_documented_and_every_documented_operation_is_a_route() {
        let routes: BTreeSet<(String, String)> =
            route_table().into_iter().map(|route| (route.method.to_string(), route.path)).collect();
        let documented = documented();
        let undocumented: Vec<_> = routes.difference(&documented).collect();
        assert!(undocumented.is_empty(), "routes missing from /openapi.json: {undocumented:?}");
        let phantom: Vec<_> = documented.difference(&routes).collect();
        assert!(phantom.is_empty(), "documented operations with no route: {phantom:?}");
    }

    #[test]
    fn the_document_is_openapi_3_1_with_unique_operation_ids_and_every_reference_resolved() {
        let text = document();
        let document: Value = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(document["openapi"], "3.1.0");
        let mut ids = BTreeSet::new();
        for item in document["paths"].as_object().into_iter().flatten().map(|(_, item)| item) {
            for operation in item.as_object().into_iter().flatten().map(|(_, operation)| operation) {
                let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
                assert!(!id.is_empty() && ids.insert(id.clone()), "operationId {id:?} missing or repeated");
            }
        }
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(document["components"]["schemas"].get(name).is_some(), "unresolved schema {name}");
        }
    }

    #[test]
    fn each_family_has_its_scheme_and_error_shape() {
        let document: Value = serde_json::from_str(document()).unwrap_or_default();
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes[ADMIN_SECRET]["name"], "X-Admin-Secret");
        assert_eq!(schemes[API_KEY]["scheme"], "bearer");
        assert_eq!(schemes[JWT]["bearerFormat"], "JWT");
        let tenants = &document["paths"]["/api/admin/tenants"]["get"];
        assert_eq!(tenants["security"][0][ADMIN_SECRET], serde_json::json!([]));
        let unauthorized = &document["paths"]["/v1/chat/completions"]["post"]["responses"]["401"];
        assert_eq!(unauthorized["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        let headers = &document["paths"]["/v1/agents"]["get"]["responses"]["200"]["headers"];
        assert_eq!(headers["X-RateLimit-Remaining"]["schema"]["type"], "integer");
        let unauthorized = &document["paths"]["/v1/usage"]["get"]["responses"]["401"];
        assert_eq!(unauthorized["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorView");
        assert!(document["paths"]["/health"]["get"].get("security").is_none());
    }

    /// A value of the type `schema` names.
    fn sample(schema: &Value) -> Value {
        let kind = schema["type"].as_array().and_then(|kinds| kinds.first()).unwrap_or(&schema["type"]).clone();
        match kind.as_str() {
            Some("integer") => json!(1),
            Some("number") => json!(1.5),
            Some("boolean") => json!(true),
            Some("array") => json!([]),
            _ => json!("x"),
        }
    }

    /// Every property of the document's schema `name`, with a sample value.
    fn properties(name: &str) -> Vec<(String, Value)> {
        let document: Value = serde_json::from_str(document()).unwrap_or_default();
        let properties = document["components"]["schemas"][name]["properties"].as_object().cloned();
        properties.into_iter().flatten().map(|(key, schema)| (key, sample(&schema))).collect()
    }

    #[test]
    fn the_schemas_written_for_domain_bodies_name_only_fields_the_domain_reads() {
        let network = properties("NetworkBody");
        assert_eq!(network.len(), 5);
        for (key, value) in network {
            let read = serde_json::from_value::<ares_domain::NetworkSeconds>(json!({ key.as_str(): value }));
            assert!(read.is_ok(), "NetworkBody documents `{key}`, which NetworkSeconds does not read: {read:?}");
        }
        let config = properties("AgentConfigBody");
        assert_eq!(config.len(), 8);
        for (key, value) in config {
            let read = serde_json::from_value::<ares_domain::AgentConfig>(json!({"model": "m", key.as_str(): value}));
            assert!(read.is_ok(), "AgentConfigBody documents `{key}`, which AgentConfig does not read: {read:?}");
        }
    }

    #[test]
    fn a_stream_is_described_event_by_event() {
        let document: Value = serde_json::from_str(document()).unwrap_or_default();
        let content = |path: &str| document["paths"][path]["post"]["responses"]["200"]["content"].clone();
        let stream = content("/v1/chat/stream")["text/event-stream"]["schema"].clone();
        assert_eq!(stream["properties"]["data"]["contentSchema"]["$ref"], "#/components/schemas/StreamEventView");
        let chunks = content("/v1/chat/completions")["text/event-stream"]["schema"].clone();
        assert_eq!(chunks["properties"]["data"]["anyOf"][0]["const"], "[DONE]");
        let whole = content("/v1/chat/completions")["application/json"]["schema"].clone();
        assert_eq!(whole["$ref"], "#/components/schemas/ChatCompletion");
    }
}
