//! `GET /v1/agents?page&per_page`: the caller's agents by name, with their config and run figures.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;
use ares_domain::Page;
use serde_json::json;

use crate::ApiError;
use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::Reply;
use crate::views::ClientAgentView;

pub(crate) async fn handle(client: Client, query: web::Query<Pagination>) -> Result<HttpResponse, ApiError> {
    let page: Page = query.page()?;
    client
        .respond(0, Record::default(), |_| async {
            let agents = client.api.agents.list(client.tenant_id).await?;
            let shown: Vec<ClientAgentView> = page.of(&agents).iter().map(ClientAgentView::from).collect();
            let body = json!({"agents": shown, "total": agents.len(), "page": page.number(), "per_page": page.size()});
            Ok(Reply::ok(&body))
        })
        .await
}
