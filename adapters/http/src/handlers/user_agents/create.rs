//! `POST /api/user/agents`: adds an agent to the signed-in user's (201).

use actix_web::{HttpResponse, web};
use ares_application::usecases::NewUserAgent;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{UserAgentFields, config_fields};
use crate::ApiError;
use crate::extract::parse_json;
use crate::session_auth::Member;
use crate::views::{ErrorView, UserAgentView};

/// A new agent: its name and type, and its config fields, flat or inside `config`.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewUserAgentBody {
    /// Letters, digits, `-`, `_` and `.`; at most 64. Unique among the user's agents.
    #[schema(example = "code-reviewer", pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    name: String,
    /// A free label of the kind of work the agent does.
    #[schema(example = "reviewer", pattern = r"^[A-Za-z0-9._-]{1,64}$")]
    #[serde(default)]
    agent_type: Option<String>,
    /// `model` is required, here or inside `config`.
    #[serde(flatten)]
    #[schema(value_type = UserAgentFields)]
    fields: Map<String, Value>,
}

/// Adds an agent to the user's (201). Its model must be one the platform serves and its tools ones it has.
#[utoipa::path(
    post,
    path = "/api/user/agents",
    operation_id = "createUserAgent",
    tag = "user-agents",
    request_body = NewUserAgentBody,
    responses(
        (status = 201, description = "The agent", body = UserAgentView),
        (status = 400, description = "A malformed body, or no `model`", body = ErrorView),
        (status = 409, description = "The user has an agent of that name", body = ErrorView),
        (status = 422, description = "An invalid name, type or config; an unknown model or tool", body = ErrorView),
    ),
)]
pub(crate) async fn handle(member: Member, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    member
        .counted(|| async {
            let NewUserAgentBody { name, agent_type, fields } = parse_json(&body)?;
            let config = config_fields(fields)?;
            if !config.contains_key("model") {
                return Err(ApiError::BadRequest("Missing required field: model".into()));
            }
            let new = NewUserAgent { name, agent_type, config };
            let agent = member.api.user_agents.create(&member.actor, member.user_id, new).await?;
            tracing::info!(user.id = %member.user_id, agent.name = %agent.name, "user agent created");
            Ok(HttpResponse::Created().json(UserAgentView::from(&agent)))
        })
        .await
}
