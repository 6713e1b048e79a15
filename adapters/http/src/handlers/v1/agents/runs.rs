//! `GET /v1/agents/{name}/runs?page&per_page`: the agent's runs, newest first.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;
use serde_json::json;

use super::agent_name;
use crate::ApiError;
use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::Reply;
use crate::views::RunView;

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
            let runs: Vec<RunView> = history.runs.iter().map(|run| RunView::new(run, &history.agent)).collect();
            let body = json!({"runs": runs, "total": history.total, "page": page.number(), "per_page": page.size()});
            Ok(Reply::ok(&body))
        })
        .await
}
