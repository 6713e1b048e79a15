//! `POST /api/user/agents/import`: adds the agent a TOON document defines to the signed-in user's (201).

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;
use crate::extract::parse_json;
use crate::session_auth::Member;
use crate::views::{ErrorView, UserAgentView};

/// A TOON document sent as JSON.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ImportBody {
    /// The agent definition, as `GET /api/user/agents/{name}/export` writes it.
    #[schema(example = "name: code-reviewer\nmodel: llama-3.3-70b-versatile\ntools[1]: calculator")]
    toon: String,
}

/// Imports an agent definition (201): the body is the TOON document (`text/x-toon` or `text/plain`), or
/// `{"toon": "..."}` as JSON. The document's `name` must be new among the user's agents.
#[utoipa::path(
    post,
    path = "/api/user/agents/import",
    operation_id = "importUserAgent",
    tag = "user-agents",
    request_body(
        description = "The agent definition: `name`, `agent_type`, then its config fields (`model`, `system_prompt`, \
                       `tools`, ...), flat or nested under `config:` and `toon:`",
        content(
            (String = "text/x-toon",
             example = "name: code-reviewer\nmodel: llama-3.3-70b-versatile\nsystem_prompt: Review code.\ntools[1]: calculator"),
            (ImportBody = "application/json"),
        ),
    ),
    responses(
        (status = 201, description = "The agent", body = UserAgentView),
        (status = 400, description = "Not TOON (`Invalid TOON at line N: ...`), or a malformed JSON body", body = ErrorView),
        (status = 409, description = "The user has an agent of that name", body = ErrorView),
        (status = 422, description = "A definition with no name or model, an invalid field, an unknown model or tool", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, request: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let text = document(&request, &body)?;
            let agent = member.api.user_agents.import(&member.actor, member.user_id, &text).await?;
            tracing::info!(user.id = %member.user_id, agent.name = %agent.name, "user agent imported");
            Ok(HttpResponse::Created().json(UserAgentView::from(&agent)))
        })
        .await
}

/// The TOON text of the body: the `toon` field of a JSON body, else the body itself (a JSON content type over a
/// body that is not JSON, as `curl -d @agent.toon` sends it, is the document too).
fn document(request: &HttpRequest, body: &[u8]) -> Result<String, ApiError> {
    let content_type = request.content_type();
    let json = content_type == "application/json" || content_type.ends_with("+json");
    if json && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        let ImportBody { toon } = parse_json(body)?;
        return Ok(toon);
    }
    String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("Invalid request body: a TOON document must be UTF-8 text".into()))
}
