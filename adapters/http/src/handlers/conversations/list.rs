//! `GET /api/conversations`: the signed-in user's conversations, most recently updated first.

use actix_web::HttpResponse;

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::ConversationView;

/// The user's conversations, most recently updated first.
#[utoipa::path(
    get,
    path = "/api/conversations",
    operation_id = "listConversations",
    tag = "conversations",
    responses((status = 200, description = "The user's conversations", body = Vec<ConversationView>)),
)]
pub(crate) async fn handle(member: Member) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let conversations = member.api.conversations.list(member.caller.account()).await?;
            Ok(HttpResponse::Ok().json(conversations.iter().map(ConversationView::from).collect::<Vec<_>>()))
        })
        .await
}
