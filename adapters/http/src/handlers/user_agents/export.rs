//! `GET /api/user/agents/{name}/export`: one of the signed-in user's agents as a TOON file.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::session_auth::Member;
use crate::views::ErrorView;

/// The media type of an exported agent.
const TOON: &str = "text/x-toon; charset=utf-8";

/// Exports one of the user's agents as a TOON document, the form `POST /api/user/agents/import` reads, as a file
/// download (`<name>.toon`).
#[utoipa::path(
    get,
    path = "/api/user/agents/{name}/export",
    operation_id = "exportUserAgent",
    tag = "user-agents",
    params(("name" = String, Path, description = "The agent's name")),
    responses(
        (status = 200, description = "The agent definition", body = String, content_type = "text/x-toon",
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"<name>.toon\"`")),
         example = "name: code-reviewer\nmodel: llama-3.3-70b-versatile\ntools[1]: calculator"),
        (status = 404, description = "The user has no agent of that name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let document = member.api.user_agents.export(member.user_id, &path).await?;
            let disposition = ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(format!("{path}.toon"))],
            };
            Ok(HttpResponse::Ok().content_type(TOON).insert_header(disposition).body(document))
        })
        .await
}
