//! `POST /v1/agents/{name}/run` `{"input": ...}`: runs the agent. The run is recorded with its usage event in one
//! transaction before it is answered; a provider failure is a run with `"status": "failed"` and its `error`.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;
use serde::Deserialize;
use serde_json::Value;

use super::agent_name;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::{admit, answer};
use crate::views::RunView;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct Body {
    input: Value,
}

pub(crate) async fn handle(
    state: web::Data<AppState>,
    Client(client): Client,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let name = agent_name(&path)?;
    let prepared = state.runner.prepare(client.tenant_id, &name, parse_json::<Body>(&body)?.input).await?;
    let admitted = admit(&state, &client, "POST /v1/agents/{name}/run", prepared.reserve).await?;
    let outcome = state.runner.execute(prepared).await;
    let view = RunView::new(&outcome.run, &outcome.agent);
    let metered = Outcome {
        agent: Some(name.to_string()),
        model: outcome.run.model.clone(),
        provider: outcome.run.provider.clone(),
        tokens_in: outcome.usage.prompt_tokens,
        tokens_out: outcome.usage.completion_tokens,
        estimated: outcome.usage.estimated,
        run: Some(outcome.run),
        ..Outcome::default()
    };
    answer(admitted, metered, Ok(HttpResponse::Ok().json(view))).await
}
