//! The end users' caller: `Authorization: Bearer <access token>` on `/api/*`, resolved to the signed-in user
//! under their tier before anything else of the request is read. A missing, malformed, expired or foreign token
//! is `401 {"error": "Invalid or expired token", "code": "AUTH_INVALID_TOKEN"}`.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use ares_application::usecases::{Caller, Record};
use ares_domain::{Actor, UserId};
use futures_util::future::LocalBoxFuture;

use crate::ApiError;
use crate::client_auth::{bearer, endpoint};
use crate::metered::{Meter, Reply};
use crate::state::UserApi;

/// The signed-in user of an `/api/*` request.
pub(crate) struct Member {
    pub user_id: UserId,
    pub caller: Caller,
    /// Who the audit log says made a change: the user's id.
    pub(crate) actor: Actor,
    /// `POST /api/chat`: the label usage is recorded under.
    pub(crate) endpoint: String,
    pub(crate) api: web::Data<UserApi>,
}

impl FromRequest for Member {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let api = request.app_data::<web::Data<UserApi>>().cloned();
        let token = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer)
            .map(str::to_owned);
        let endpoint = endpoint(request);
        Box::pin(async move {
            let api = api.ok_or_else(|| ApiError::internal("no user API state"))?;
            let token = token.ok_or_else(ApiError::invalid_token)?;
            let (caller, user) = api.accounts.authenticate(&token).await?;
            Ok(Member { user_id: user.id, caller, actor: Actor::User(user.id.to_string()), endpoint, api })
        })
    }
}

impl Member {
    /// Runs `work` as one of the user's metered requests that reserves no tokens (a read or a change of their own
    /// data): counted against their tier, and refused by its limits like any other.
    pub(crate) async fn counted<W, F>(&self, work: W) -> Result<HttpResponse, ApiError>
    where
        W: FnOnce() -> F,
        F: Future<Output = Result<HttpResponse, ApiError>>,
    {
        self.meter().respond(0, Record::default(), |_| async move { work().await.map(Reply::new) }).await
    }

    /// This user's way through the metered path.
    pub(crate) fn meter(&self) -> Meter<'_> {
        Meter {
            path: &self.api.meter,
            chat: &self.api.chat,
            caller: self.caller,
            endpoint: &self.endpoint,
            openai: false,
        }
    }
}
