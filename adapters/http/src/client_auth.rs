//! The client API's caller: `Authorization: Bearer ares_...`, resolved to the key's tenant before anything else of
//! the request is read, with the endpoint label of the route that took the request (`"POST /v1/chat"`, from the
//! route pattern) for the metered path.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use ares_application::usecases::Caller;
use ares_domain::{Actor, RawApiKey, TenantId};
use futures_util::future::LocalBoxFuture;

use crate::ApiError;
use crate::openai_errors::OpenAiFamily;
use crate::state::ClientApi;

/// The authenticated caller of a `/v1/*` request.
pub(crate) struct Client {
    /// The tenant whose data the request may see.
    pub tenant_id: TenantId,
    pub caller: Caller,
    /// Who the audit log says made a change: the key's prefix.
    pub(crate) actor: Actor,
    pub(crate) endpoint: String,
    pub(crate) api: web::Data<ClientApi>,
    /// Whether the route answers in the OpenAI-compatible family's shapes and statuses.
    pub(crate) openai: bool,
}

impl FromRequest for Client {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let api = request.app_data::<web::Data<ClientApi>>().cloned();
        let header = request.headers().get(AUTHORIZATION).map(|value| value.to_str().map(str::to_owned));
        let endpoint = endpoint(request);
        let openai = request.extensions().get::<OpenAiFamily>().is_some();
        Box::pin(async move {
            let api = api.ok_or_else(|| ApiError::internal("no client API state"))?;
            let value = match header {
                None => return Err(ApiError::Unauthorized("Missing authorization header")),
                Some(Err(_)) => return Err(ApiError::Unauthorized("Invalid API key")),
                Some(Ok(value)) => value,
            };
            let key = bearer(&value).ok_or(ApiError::Unauthorized("Invalid API key"))?;
            let caller = api.auth.authenticate(key).await?;
            let tenant_id = caller.payer.tenant().ok_or_else(|| ApiError::internal("an API key without a tenant"))?;
            let actor = Actor::Key(RawApiKey::parse(key).map(|raw| raw.display_prefix()).unwrap_or_default());
            Ok(Client { tenant_id, caller, actor, endpoint, api, openai })
        })
    }
}

/// `METHOD /route/{pattern}`: the label usage is recorded under, one per route whatever the path's values (a
/// segment's regex, as in `{id:.+}`, left out).
pub(crate) fn endpoint(request: &HttpRequest) -> String {
    let pattern = request.match_pattern();
    let path = pattern.as_deref().unwrap_or_else(|| request.path());
    let mut label = format!("{} ", request.method());
    let (mut in_segment, mut in_regex) = (false, false);
    for c in path.chars() {
        match c {
            '{' => in_segment = true,
            '}' => (in_segment, in_regex) = (false, false),
            ':' if in_segment => in_regex = true,
            _ => {}
        }
        if !in_regex {
            label.push(c);
        }
    }
    label
}

/// The credentials of a `Bearer` authorization value (the scheme is case-insensitive).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim()).filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use actix_web::test::{TestRequest, call_and_read_body, init_service};
    use actix_web::{App, HttpResponse, web};

    use super::{bearer, endpoint};

    #[test]
    fn only_bearer_credentials_are_read() {
        assert_eq!(bearer("Bearer ares_abc"), Some("ares_abc"));
        assert_eq!(bearer("bearer  ares_abc "), Some("ares_abc"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("ares_abc"), None);
    }

    #[actix_web::test]
    async fn the_endpoint_label_is_the_route_pattern_not_the_path() {
        let app =
            init_service(App::new().service(
                web::scope("/v1").route(
                    "/agents/{name}/run",
                    web::post().to(|request: actix_web::HttpRequest| async move {
                        HttpResponse::Ok().body(endpoint(&request))
                    }),
                ),
            ))
            .await;
        let request = TestRequest::post().uri("/v1/agents/risk-assessor/run").to_request();
        let body = call_and_read_body(&app, request).await;
        assert_eq!(body, "POST /v1/agents/{name}/run");
        let app = init_service(App::new().route(
            "/v1/models/{id:.+}",
            web::get().to(|request: actix_web::HttpRequest| async move { HttpResponse::Ok().body(endpoint(&request)) }),
        ))
        .await;
        let body = call_and_read_body(&app, TestRequest::get().uri("/v1/models/agent/x").to_request()).await;
        assert_eq!(body, "GET /v1/models/{id}");
    }
}
