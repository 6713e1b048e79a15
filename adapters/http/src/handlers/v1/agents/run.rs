//! `POST /v1/agents/{name}/run` `{"input": ...}`: runs the agent. The run is recorded with its usage event in one
//! transaction before it is answered; a provider failure is a run with `"status": "failed"` and its `error`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::agent_name;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::Reply;
use crate::views::{ErrorView, RunView};

/// What to run the agent on.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RunBody {
    /// A string, or any JSON the agent's prompt takes.
    #[schema(example = json!({
        "message": "Analyze the risk profile for transaction TX-9921",
        "context": {"amount": 15000, "currency": "USD", "merchant_category": "electronics"}
    }))]
    input: Value,
}

/// Runs the agent.
///
/// The run is recorded with its usage event in one transaction before it is answered; a provider failure is a run
/// with `"status": "failed"` and its `error`.
#[utoipa::path(
    post,
    path = "/v1/agents/{name}/run",
    operation_id = "runAgent",
    tag = "client",
    params(("name" = String, Path, description = "The agent's name")),
    request_body = RunBody,
    responses(
        (status = 200, description = "The run: `completed`, or `failed` with its `error` when the provider failed",
         body = RunView),
        (status = 404, description = "The caller has no agent of that name", body = ErrorView),
        (status = 409, description = "The agent is disabled", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    client: Client,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let name = agent_name(&path)?;
    let input = parse_json::<RunBody>(&body)?.input;
    let prepared = client.api.runner.prepare(client.tenant_id, &name, input).await?;
    let (reserve, asked, runner) = (prepared.reserve, prepared.record(), &client.api.runner);
    client
        .respond(reserve, asked, |budget| async move {
            let outcome = runner.execute(prepared, &budget).await;
            Ok(Reply::ok(&RunView::new(&outcome.run, &outcome.agent)).recording(outcome.record()))
        })
        .await
}
