//! Every route of the server, in one table.

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::admin_auth::require_admin;
use crate::handlers::{agents, api_keys, health, models, providers, provision, templates, tenants, v1};
use crate::openai_errors::openai_errors;

/// Registers all routes. Everything under `/api/admin` requires the admin secret; everything under `/v1` a
/// tenant's API key. The OpenAI-compatible routes answer errors in OpenAI's shape.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").get(health::get::handle).route(web::head().to(health::get::handle)))
        .service(web::resource("/health/live").get(health::live::handle).route(web::head().to(health::live::handle)))
        .service(web::resource("/health/ready").get(health::ready::handle).route(web::head().to(health::ready::handle)))
        .service(client_api())
        .service(
            web::scope("/api/admin")
                .wrap(from_fn(require_admin))
                .service(web::resource("/tenants").get(tenants::list::handle).post(tenants::create::handle))
                .service(web::resource("/tenants/{id}").get(tenants::get::handle))
                .service(web::resource("/tenants/{id}/quota").put(tenants::update_quota::handle))
                .service(web::resource("/provision-client").post(provision::handle))
                .service(
                    web::resource("/tenants/{id}/api-keys").get(api_keys::list::handle).post(api_keys::create::handle),
                )
                .service(web::resource("/tenants/{id}/agents").get(agents::list::handle).post(agents::create::handle))
                .service(
                    web::resource("/tenants/{id}/agents/{name}")
                        .put(agents::update::handle)
                        .delete(agents::delete::handle),
                )
                .service(web::resource("/agent-templates").get(templates::list::handle))
                .service(web::resource("/models").get(models::list::handle))
                .service(web::resource("/providers").get(providers::list::handle).post(providers::create::handle))
                .service(
                    web::resource("/providers/{id}")
                        .get(providers::get::handle)
                        .put(providers::update::handle)
                        .delete(providers::delete::handle),
                )
                .service(web::resource("/providers/{id}/enable").post(providers::enable::handle))
                .service(web::resource("/providers/{id}/disable").post(providers::disable::handle))
                .service(web::resource("/providers/{id}/models/refresh").post(providers::refresh_models::handle)),
        );
}

fn client_api() -> actix_web::Scope {
    web::scope("/v1")
        .service(web::resource("/agents").get(v1::agents::list::handle))
        .service(web::resource("/agents/{name}").get(v1::agents::get::handle))
        .service(web::resource("/agents/{name}/run").post(v1::agents::run::handle))
        .service(web::resource("/agents/{name}/runs").get(v1::agents::runs::handle))
        .service(web::resource("/chat").post(v1::chat::complete::handle))
        .service(web::resource("/chat/stream").post(v1::chat::stream::handle))
        .service(web::resource("/chat/completions").wrap(from_fn(openai_errors)).post(v1::chat::completions::handle))
        .service(web::resource("/models").wrap(from_fn(openai_errors)).get(v1::models::list::handle))
        .service(web::resource("/models/{id:.+}").wrap(from_fn(openai_errors)).get(v1::models::get::handle))
        .service(web::resource("/usage").get(v1::usage::handle))
        .service(web::resource("/api-keys").get(v1::api_keys::list::handle).post(v1::api_keys::create::handle))
        .service(web::resource("/api-keys/{id}").delete(v1::api_keys::delete::handle))
}
