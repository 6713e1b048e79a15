//! `GET /v1/agents/{name}/runs?page&per_page`: the agent's runs, newest first.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use serde_json::json;

use super::agent_name;
use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::{admit, answer};
use crate::views::RunView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    path: web::Path<String>,
    query: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = query.checked()?;
    let admitted = admit(&state, &client, "GET /v1/agents/{name}/runs", 0).await?;
    let result = async {
        let history = state.runner.history(client.tenant_id, &agent_name(&path)?, page, per_page).await?;
        let runs: Vec<RunView> = history.runs.iter().map(|run| RunView::new(run, &history.agent)).collect();
        Ok(HttpResponse::Ok().json(json!({"runs": runs, "total": history.total, "page": page, "per_page": per_page})))
    }
    .await;
    let outcome = Outcome { agent: Some(path.into_inner()), ..Outcome::default() };
    answer(admitted, outcome, result).await
}
