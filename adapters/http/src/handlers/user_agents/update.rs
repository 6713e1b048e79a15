//! `PUT /api/user/agents/{name}`: the fields given replace the stored ones.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{UserAgentFields, config_fields};
use crate::ApiError;
use crate::extract::parse_json;
use crate::session_auth::Member;
use crate::views::{ErrorView, UserAgentView};

/// The fields to change, flat or inside `config`; the others keep their stored values.
#[derive(Deserialize, ToSchema)]
#[expect(dead_code, reason = "a schema only: the body is read as a JSON object, to tell `null` from absent")]
pub(crate) struct UserAgentPatchBody {
    /// A new type; `null` clears it.
    #[schema(example = "reviewer", pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    agent_type: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = UserAgentFields)]
    fields: Map<String, Value>,
}

/// Changes one of the user's agents: the fields given replace the stored ones. An agent cannot be renamed.
#[utoipa::path(
    put,
    path = "/api/user/agents/{name}",
    operation_id = "updateUserAgent",
    tag = "user-agents",
    params(("name" = String, Path, description = "The agent's name")),
    request_body = UserAgentPatchBody,
    responses(
        (status = 200, description = "The agent as updated", body = UserAgentView),
        (status = 400, description = "A malformed body", body = ErrorView),
        (status = 404, description = "The user has no agent of that name", body = ErrorView),
        (status = 422, description = "An invalid type or config, an unknown model or tool, a new name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    member: Member,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let patch = config_fields(parse_json::<Map<String, Value>>(&body)?)?;
            let agent = member.api.user_agents.update(&member.actor, member.user_id, &path, patch).await?;
            tracing::info!(user.id = %member.user_id, agent.name = %agent.name, "user agent updated");
            Ok(HttpResponse::Ok().json(UserAgentView::from(&agent)))
        })
        .await
}
