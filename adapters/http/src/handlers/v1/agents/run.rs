//! `POST /v1/agents/{name}/run` `{"input": ...}`: runs the agent. The run is recorded with its usage event in one
//! transaction before it is answered; a provider failure is a run with `"status": "failed"` and its `error`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::agent_name;
use crate::ApiError;
use crate::client_auth::Client;
use crate::extract::parse_json;
use crate::metered::Reply;
use crate::views::RunView;

#[derive(Deserialize)]
pub(crate) struct Body {
    input: Value,
}

pub(crate) async fn handle(
    client: Client,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let name = agent_name(&path)?;
    let input = parse_json::<Body>(&body)?.input;
    let prepared = client.api.runner.prepare(client.tenant_id, &name, input).await?;
    let (reserve, asked, runner) = (prepared.reserve, prepared.record(), &client.api.runner);
    client
        .respond(reserve, asked, |budget| async move {
            let outcome = runner.execute(prepared, &budget).await;
            Ok(Reply::ok(&RunView::new(&outcome.run, &outcome.agent)).recording(outcome.record()))
        })
        .await
}
