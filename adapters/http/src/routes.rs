//! Every route of the server, in one table. The table registers the routes with actix-web and, written the same
//! way, lists them ([`route_table`]): the OpenAPI document is held to that list, so a route cannot be added without
//! being documented.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, Resource, Responder, web};

use crate::admin_auth::require_admin;
use crate::handlers::user_agents;
use crate::handlers::{
    agents, alerts, analytics, api_keys, audit, auth, chat, conversations, docs, health, memory, metrics, models,
    platform_agents, providers, provision, stats, templates, tenants, usage, users, v1,
};
use crate::openai_errors::openai_errors;

/// One route: a method on a path, spelled as the OpenAPI document spells it (`/v1/models/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub method: Method,
    pub path: String,
}

/// Registers all routes. Everything under `/api/admin` requires the admin secret; everything under `/v1` a
/// tenant's API key; the rest of `/api` a user's access token, but for signing in and the platform's agents. The
/// OpenAI-compatible routes answer errors in OpenAI's shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    register(cfg, &mut Vec::new());
}

/// Every route [`configure`] registers.
#[cfg(test)]
pub(crate) fn route_table() -> Vec<Route> {
    let mut routes = Vec::new();
    let _app = actix_web::App::new().configure(|cfg| register(cfg, &mut routes));
    routes
}

fn register(cfg: &mut web::ServiceConfig, routes: &mut Vec<Route>) {
    let mut top = Table { prefix: "", routes: &mut *routes };
    cfg.service(top.at("/health").get(health::get::handle).head(health::get::head).done())
        .service(top.at("/health/live").get(health::live::handle).head(health::live::head).done())
        .service(top.at("/health/ready").get(health::ready::handle).head(health::ready::head).done())
        .service(top.at("/openapi.json").get(docs::document::handle).done())
        .service(top.at("/docs").get(docs::redirect::handle).done())
        .service(top.at("/docs/{file:.*}").get(docs::page::handle).done());
    cfg.service(client_api(&mut Table { prefix: "/v1", routes: &mut *routes }));
    cfg.service(admin_api(&mut Table { prefix: "/api/admin", routes: &mut *routes }));
    cfg.service(user_api(&mut Table { prefix: "/api", routes }));
}

fn admin_api(t: &mut Table<'_>) -> impl HttpServiceFactory + use<> {
    web::scope(t.prefix)
        .wrap(from_fn(require_admin))
        .service(t.at("/tenants").get(tenants::list::handle).post(tenants::create::handle).done())
        .service(t.at("/tenants/{id}").get(tenants::get::handle).done())
        .service(t.at("/tenants/{id}/quota").put(tenants::update_quota::handle).done())
        .service(t.at("/provision-client").post(provision::handle).done())
        .service(t.at("/tenants/{id}/api-keys").get(api_keys::list::handle).post(api_keys::create::handle).done())
        .service(t.at("/tenants/{id}/agents").get(agents::list::handle).post(agents::create::handle).done())
        .service(t.at("/tenants/{id}/api-keys/{key_id}").delete(api_keys::revoke::handle).done())
        .service(t.at("/tenants/{id}/agents/{name}").put(agents::update::handle).delete(agents::delete::handle).done())
        .service(t.at("/tenants/{id}/agents/{name}/runs").get(agents::runs::handle).done())
        .service(t.at("/tenants/{id}/agents/{name}/stats").get(agents::stats::handle).done())
        .service(t.at("/tenants/{id}/usage").get(usage::month::handle).done())
        .service(t.at("/tenants/{id}/usage/daily").get(usage::daily::handle).done())
        .service(t.at("/agents").get(agents::all::handle).done())
        .service(t.at("/stats").get(stats::get::handle).done())
        .service(t.at("/alerts").get(alerts::list::handle).done())
        .service(t.at("/alerts/{id}/resolve").post(alerts::resolve::handle).done())
        .service(t.at("/audit-log").get(audit::list::handle).done())
        .service(t.at("/metrics/prometheus").get(metrics::prometheus::handle).done())
        .service(t.at("/metrics/timeseries").get(analytics::timeseries::handle).done())
        .service(t.at("/metrics/breakdown").get(analytics::breakdown::handle).done())
        .service(t.at("/users").get(users::list::handle).done())
        .service(t.at("/users/{id}").get(users::get::handle).put(users::update::handle).done())
        .service(t.at("/agent-templates").get(templates::list::handle).done())
        .service(t.at("/models").get(models::list::handle).done())
        .service(t.at("/providers").get(providers::list::handle).post(providers::create::handle).done())
        .service(
            t.at("/providers/{id}")
                .get(providers::get::handle)
                .put(providers::update::handle)
                .delete(providers::delete::handle)
                .done(),
        )
        .service(t.at("/providers/{id}/enable").post(providers::enable::handle).done())
        .service(t.at("/providers/{id}/disable").post(providers::disable::handle).done())
        .service(t.at("/providers/{id}/models/refresh").post(providers::refresh_models::handle).done())
}

fn client_api(t: &mut Table<'_>) -> impl HttpServiceFactory + use<> {
    web::scope(t.prefix)
        .service(t.at("/agents").get(v1::agents::list::handle).done())
        .service(t.at("/agents/{name}").get(v1::agents::get::handle).done())
        .service(t.at("/agents/{name}/run").post(v1::agents::run::handle).done())
        .service(t.at("/agents/{name}/runs").get(v1::agents::runs::handle).done())
        .service(t.at("/chat").post(v1::chat::complete::handle).done())
        .service(t.at("/chat/stream").post(v1::chat::stream::handle).done())
        .service(t.at("/chat/completions").post(v1::chat::completions::handle).done().wrap(from_fn(openai_errors)))
        .service(t.at("/models").get(v1::models::list::handle).done().wrap(from_fn(openai_errors)))
        .service(t.at("/models/{id:.+}").get(v1::models::get::handle).done().wrap(from_fn(openai_errors)))
        .service(t.at("/usage").get(v1::usage::handle).done())
        .service(t.at("/api-keys").get(v1::api_keys::list::handle).post(v1::api_keys::create::handle).done())
        .service(t.at("/api-keys/{id}").delete(v1::api_keys::delete::handle).done())
}

/// End users' routes: sign-in is open, everything else takes an access token (the `Member` extractor). Registered
/// after `/api/admin`, whose scope takes its own paths first.
fn user_api(t: &mut Table<'_>) -> impl HttpServiceFactory + use<> {
    web::scope(t.prefix)
        .service(t.at("/agents").get(platform_agents::handle).done())
        .service(t.at("/chat").post(chat::send::handle).done())
        .service(t.at("/chat/stream").post(chat::stream::handle).done())
        .service(t.at("/conversations").get(conversations::list::handle).done())
        .service(
            t.at("/conversations/{id}")
                .get(conversations::get::handle)
                .put(conversations::update::handle)
                .delete(conversations::delete::handle)
                .done(),
        )
        .service(t.at("/memory").get(memory::list::handle).done())
        .service(t.at("/memory/{id}").delete(memory::delete::handle).done())
        .service(t.at("/auth/register").post(auth::register::handle).done())
        .service(t.at("/auth/login").post(auth::login::handle).done())
        .service(t.at("/auth/refresh").post(auth::refresh::handle).done())
        .service(t.at("/auth/logout").post(auth::logout::handle).done())
        .service(t.at("/user/agents").get(user_agents::list::handle).post(user_agents::create::handle).done())
        .service(t.at("/user/agents/import").post(user_agents::import::handle).done())
        .service(
            t.at("/user/agents/{name}")
                .get(user_agents::get::handle)
                .put(user_agents::update::handle)
                .delete(user_agents::delete::handle)
                .done(),
        )
        .service(t.at("/user/agents/{name}/export").get(user_agents::export::handle).done())
}

/// The routes of one scope, listed as they are registered.
struct Table<'t> {
    prefix: &'static str,
    routes: &'t mut Vec<Route>,
}

impl Table<'_> {
    /// A resource at `path` (relative to the scope), to add methods to.
    fn at(&mut self, path: &'static str) -> Methods<'_> {
        let documented = format!("{}{}", self.prefix, documented(path));
        Methods { resource: web::resource(path), path: documented, routes: self.routes }
    }
}

/// `get(handler)` for `on(Method::GET, handler)`, and so on.
macro_rules! shorthands {
    ($($name:ident => $method:ident),*) => {$(
        fn $name<F, Args>(self, handler: F) -> Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.on(Method::$method, handler)
        }
    )*};
}

/// One resource's methods, registered and listed together.
struct Methods<'t> {
    resource: Resource,
    path: String,
    routes: &'t mut Vec<Route>,
}

impl Methods<'_> {
    fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.routes.push(Route { method: method.clone(), path: self.path.clone() });
        self.resource = self.resource.route(web::method(method).to(handler));
        self
    }

    shorthands!(get => GET, head => HEAD, post => POST, put => PUT, delete => DELETE);

    fn done(self) -> Resource {
        self.resource
    }
}

/// A path pattern as the document writes it: `{id:.+}` is `{id}`.
pub(crate) fn documented(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_regex = false;
    for c in pattern.chars() {
        match c {
            ':' if out.rfind('{') > out.rfind('}') => in_regex = true,
            '}' => {
                in_regex = false;
                out.push(c);
            }
            _ if in_regex => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_documented_without_its_regex() {
        assert_eq!(documented("/models/{id:.+}"), "/models/{id}");
        assert_eq!(documented("/docs/{file:.*}"), "/docs/{file}");
        assert_eq!(documented("/tenants/{id}/agents/{name}"), "/tenants/{id}/agents/{name}");
    }

    #[test]
    fn the_table_lists_each_route_once() {
        let routes = route_table();
        let unique: std::collections::BTreeSet<(String, &str)> =
            routes.iter().map(|route| (route.method.to_string(), route.path.as_str())).collect();
        assert_eq!(unique.len(), routes.len());
        assert!(routes.contains(&Route { method: Method::GET, path: "/v1/models/{id}".into() }));
        assert!(routes.contains(&Route { method: Method::DELETE, path: "/api/admin/providers/{id}".into() }));
    }
}
