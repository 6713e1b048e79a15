//! `POST /api/chat`: a signed-in user's chat, answered whole.

use actix_web::{HttpResponse, web};

use super::UserChatBody;
use crate::ApiError;
use crate::extract::parse_json;
use crate::metered::Reply;
use crate::session_auth::Member;
use crate::views::{ChatView, ErrorView};

/// A user's chat, answered whole: `{"response", "agent", "context_id", "sources"}`, with the guide's `content`,
/// `model` and `tokens_used`. The exchange is kept in the conversation `context_id` names (a new one without).
#[utoipa::path(
    post,
    path = "/api/chat",
    operation_id = "userChat",
    tag = "chat",
    request_body = UserChatBody,
    responses(
        (status = 200, description = "The answer", body = ChatView),
        (status = 404, description = "No agent of that name, or no conversation `context_id` of the user's", body = ErrorView),
        (status = 422, description = "A message role that is not system, user or assistant", body = ErrorView),
        (status = 502, description = "The provider failed", body = ErrorView),
        (status = 504, description = "The provider did not answer in time", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let input = parse_json::<UserChatBody>(&body)?.input()?;
    let chat = member.api.chat.prepare(&member.caller, input).await?;
    let (chat, service) = (&chat, &member.api.chat);
    member
        .meter()
        .respond(chat.reserve, chat.record(), |budget| async move {
            let routed = match service.complete(chat, &budget).await {
                Ok(routed) => routed,
                Err(err) => return Ok(Reply::route_failed(chat, err)),
            };
            let view = ChatView::new(chat, &routed.value, &routed.model);
            Ok(Reply::ok(&view).recording(chat.answered(&routed)))
        })
        .await
}
