//! `GET /v1/agents/{name}/runs?page&per_page`: the agent's runs, newest first.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;

use super::agent_name;
use crate::ApiError;
use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::Reply;
use crate::views::{ErrorView, PageInfo, RunPage, RunView};

/// The agent's runs, newest first.
#[utoipa::path(
    get,
    path = "/v1/agents/{name}/runs",
    operation_id = "listAgentRuns",
    tag = "client",
    params(("name" = String, Path, description = "The agent's name"), Pagination),
    responses(
        (status = 200, description = "A page of the agent's runs, newest first", body = RunPage),
        (status = 404, description = "The caller has no agent of that name", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    client: Client,
    path: web::Path<String>,
    query: web::Query<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let asked = Record { agent: Some(path.clone()), ..Record::default() };
    client
        .respond(0, asked, |_| async {
            let history = client.api.runner.history(client.tenant_id, &agent_name(&path)?, page).await?;
            let runs = history.runs.iter().map(|run| RunView::new(run, &history.agent)).collect();
            Ok(Reply::ok(&RunPage { runs, paging: PageInfo::new(page, history.total) }))
        })
        .await
}
