//! `GET /v1/agents/{name}`: one of the caller's agents, with its whole config and run figures.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;

use super::agent_name;
use crate::ApiError;
use crate::client_auth::Client;
use crate::metered::Reply;
use crate::views::{ClientAgentView, ErrorView};

/// One of the caller's agents, with its whole config and run figures.
#[utoipa::path(
    get,
    path = "/v1/agents/{name}",
    operation_id = "getAgent",
    tag = "client",
    params(("name" = String, Path, description = "The agent's name")),
    responses(
        (status = 200, description = "The agent", body = ClientAgentView),
        (status = 404, description = "The caller has no agent of that name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(client: Client, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let asked = Record { agent: Some(path.clone()), ..Record::default() };
    client
        .respond(0, asked, |_| async {
            let name = agent_name(&path)?;
            let agents = client.api.agents.list(client.tenant_id).await?;
            let summary = agents
                .iter()
                .find(|s| s.agent.name == name)
                .ok_or_else(|| ApiError::NotFound(format!("Agent not found: {name}")))?;
            Ok(Reply::ok(&ClientAgentView::from(summary)))
        })
        .await
}
