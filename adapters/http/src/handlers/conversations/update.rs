//! `PUT /api/conversations/{id}`: gives one of the user's conversations a title.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::conversation_id;
use crate::ApiError;
use crate::extract::parse_json;
use crate::session_auth::Member;
use crate::views::{ConversationView, ErrorView};

/// The new title.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TitleBody {
    #[schema(example = "Pricing discussion", min_length = 1, max_length = 200)]
    title: String,
}

/// Renames a conversation; answers it as renamed.
#[utoipa::path(
    put,
    path = "/api/conversations/{id}",
    operation_id = "updateConversation",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id (`context_id`)")),
    request_body = TitleBody,
    responses(
        (status = 200, description = "The conversation, renamed", body = ConversationView),
        (status = 404, description = "No such conversation of the user's", body = ErrorView),
        (status = 422, description = "A blank title, one over 200 characters, or one with control characters", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    member: Member,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let id = conversation_id(&path)?;
            let TitleBody { title } = parse_json(&body)?;
            let conversation = member.api.conversations.rename(member.caller.account(), id, &title).await?;
            Ok(HttpResponse::Ok().json(ConversationView::from(&conversation)))
        })
        .await
}
