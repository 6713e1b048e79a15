//! `GET /v1/agents?page&per_page`: the caller's agents by name, with their config and run figures.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use serde_json::json;

use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::{admit, answer};
use crate::views::ClientAgentView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    query: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = query.checked()?;
    let admitted = admit(&state, &client, "GET /v1/agents", 0).await?;
    let result = async {
        let agents = state.agents.list(client.tenant_id).await?;
        let total = agents.len();
        let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
        let shown: Vec<ClientAgentView> = agents
            .iter()
            .skip(start)
            .take(usize::try_from(per_page).unwrap_or(20))
            .map(ClientAgentView::from)
            .collect();
        Ok(HttpResponse::Ok().json(json!({"agents": shown, "total": total, "page": page, "per_page": per_page})))
    }
    .await;
    answer(admitted, Outcome::default(), result).await
}
