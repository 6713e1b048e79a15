//! `GET /v1/agents/{name}`: one of the caller's agents, with its whole config and run figures.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;

use super::agent_name;
use crate::client_auth::Client;
use crate::metered::{admit, answer};
use crate::views::ClientAgentView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admitted = admit(&state, &client, "GET /v1/agents/{name}", 0).await?;
    let result = async {
        let name = agent_name(&path)?;
        let agents = state.agents.list(client.tenant_id).await?;
        let summary = agents
            .iter()
            .find(|s| s.agent.name == name)
            .ok_or_else(|| ApiError::NotFound(format!("Agent not found: {name}")))?;
        Ok(HttpResponse::Ok().json(ClientAgentView::from(summary)))
    }
    .await;
    let outcome = Outcome { agent: Some(path.into_inner()), ..Outcome::default() };
    answer(admitted, outcome, result).await
}
