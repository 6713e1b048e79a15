//! The client API's credentials: `Authorization: Bearer ares_...`, resolved to the key's tenant before anything
//! else of the request is read.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use ares_application::usecases::Principal;
use futures_util::future::LocalBoxFuture;

use crate::{ApiError, AppState};

/// The authenticated caller of a `/v1/*` request.
pub(crate) struct Client(pub Principal);

impl FromRequest for Client {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let header = request.headers().get(AUTHORIZATION).map(|value| value.to_str().map(str::to_owned));
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no app state"))?;
            let value = match header {
                None => return Err(ApiError::Unauthorized("Missing authorization header")),
                Some(Err(_)) => return Err(ApiError::Unauthorized("Invalid API key")),
                Some(Ok(value)) => value,
            };
            let key = bearer(&value).ok_or(ApiError::Unauthorized("Invalid API key"))?;
            Ok(Client(state.auth.authenticate(key).await?))
        })
    }
}

/// The credentials of a `Bearer` authorization value (the scheme is case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim()).filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn only_bearer_credentials_are_read() {
        assert_eq!(bearer("Bearer ares_abc"), Some("ares_abc"));
        assert_eq!(bearer("bearer  ares_abc "), Some("ares_abc"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("ares_abc"), None);
    }
}
