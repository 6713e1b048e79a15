//! `GET /api/memory`: the facts and preferences ARES learned from the user's conversations.

use actix_web::HttpResponse;

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::MemoryView;

/// What ARES remembers about the user, oldest first. It goes into the system prompt of their chats.
#[utoipa::path(
    get,
    path = "/api/memory",
    operation_id = "listMemory",
    tag = "conversations",
    responses((status = 200, description = "The user's memories", body = Vec<MemoryView>)),
)]
pub(crate) async fn handle(member: Member) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let memories = member.api.conversations.memories(member.user_id).await?;
            Ok(HttpResponse::Ok().json(memories.iter().map(MemoryView::from).collect::<Vec<_>>()))
        })
        .await
}
