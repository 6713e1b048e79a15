//! The HTTP server: the app (routes, middleware, app data) on actix-web, served by actix's server over
//! connections that send every write at once (`TCP_NODELAY`) and give the answers actix's HTTP/1 dispatcher makes
//! on its own (a request it cannot read, headers too large) the JSON error shape (`ares_http::JsonErrors`). This is
//! what `HttpServer` does, with the connection wrapped: `HttpServer` cannot wrap it.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::{ServiceFactoryExt, fn_service, map_config};
use actix_web::dev::{AppConfig, Server};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::rt::net::TcpStream;
use actix_web::{App, web};
use anyhow::Context;
use ares_http::{BodyTimeout, IpLimiter, JsonErrors};
use tracing_actix_web::TracingLogger;

use crate::settings::Settings;
use crate::startup::Groups;

/// How long a connection may take to send a request's head (actix's default).
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection is kept open between requests (actix's default).
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// Serves the app on `listener` until stopped. Stopping lets requests in flight finish within `shutdown_timeout`
/// and closes idle connections at once.
pub(crate) fn serve(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    groups: Groups,
    limiter: Option<web::Data<IpLimiter>>,
    settings: &Settings,
    (body_timeout, shutdown_timeout): (BodyTimeout, Duration),
) -> anyhow::Result<Server> {
    let limit = settings.server.max_body_bytes;
    let address = listener.local_addr().context("cannot listen")?;
    let metrics = groups.metrics.clone();
    let builder = actix_server::Server::build();
    let closing = builder.graceful_shutdown_signal();
    let builder = builder.listen("ares", listener, move || {
        let app = app(groups.clone(), limiter.clone(), limit, body_timeout);
        let closing = closing.clone();
        let http = HttpService::build()
            .keep_alive(KEEP_ALIVE)
            .client_request_timeout(REQUEST_HEAD_TIMEOUT)
            .local_addr(address)
            .graceful_shutdown_signal(move || {
                let closing = closing.clone();
                async move { closing.notified().await }
            })
            .h1(map_config(app, move |()| AppConfig::default()));
        fn_service(accept).and_then(http)
    });
    let mut builder = builder.context("cannot listen")?.shutdown_timeout(shutdown_timeout.as_secs().max(1));
    if let Some(listener) = metrics_listener {
        builder = builder
            .listen("metrics", listener, move || {
                HttpService::build().h1(map_config(metrics_app(metrics.clone()), |()| AppConfig::default())).tcp()
            })
            .context("cannot listen for metrics")?;
    }
    let builder = match settings.server.workers {
        Some(workers) => builder.workers(workers),
        None => builder,
    };
    Ok(builder.disable_signals().run())
}

/// An accepted connection, ready for the HTTP/1 dispatcher.
async fn accept(stream: TcpStream) -> Result<(JsonErrors<TcpStream>, Option<SocketAddr>), DispatchError> {
    // A streamed answer's small writes would otherwise wait for the client's delayed ACK (Nagle), ~40 ms each.
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(error = %err, "cannot set TCP_NODELAY");
    }
    let peer = stream.peer_addr().ok();
    Ok((JsonErrors::new(stream), peer))
}

/// The metrics listener's app: `GET /metrics`, nothing else, without the admin secret (it listens where only a
/// scraper reaches it).
fn metrics_app(
    metrics: web::Data<ares_http::Metrics>,
) -> App<
    impl actix_service::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(metrics)
        .route("/metrics", web::get().to(ares_http::expose_metrics))
        .default_service(web::to(ares_http::not_found))
}

/// The app of one worker: every route, the middleware, and the app data.
fn app(
    groups: Groups,
    limiter: Option<web::Data<IpLimiter>>,
    limit: usize,
    body_timeout: BodyTimeout,
) -> App<
    impl actix_service::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let app = App::new()
        .wrap(from_fn(ares_http::bound_body))
        .wrap(ErrorHandlers::new().default_handler_client(ares_http::rewrite_empty_errors))
        .wrap(from_fn(ares_http::limit_by_ip))
        .wrap(from_fn(ares_http::observe_requests))
        .wrap(TracingLogger::default());
    let app = match limiter {
        Some(limiter) => app.app_data(limiter),
        None => app,
    };
    app.app_data(groups.admin)
        .app_data(groups.users)
        .app_data(groups.providers)
        .app_data(groups.client)
        .app_data(groups.insight)
        .app_data(groups.metrics)
        .app_data(groups.health)
        .app_data(groups.admin_secret)
        .app_data(ares_http::json_config(limit))
        .app_data(ares_http::payload_config(limit))
        .app_data(ares_http::query_config())
        .app_data(body_timeout)
        .configure(ares_http::configure)
        .default_service(web::to(ares_http::not_found))
}
