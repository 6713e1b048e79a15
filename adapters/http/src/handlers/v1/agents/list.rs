//! `GET /v1/agents?page&per_page`: the caller's agents by name, with their config and run figures.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Record;
use ares_domain::Page;

use crate::ApiError;
use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::Reply;
use crate::views::{ClientAgentPage, ClientAgentView, PageInfo};

/// The caller's agents by name, with their config and run figures.
#[utoipa::path(
    get,
    path = "/v1/agents",
    operation_id = "listAgents",
    tag = "client",
    params(Pagination),
    responses((status = 200, description = "A page of the caller's agents", body = ClientAgentPage)),
)]
pub(crate) async fn handle(client: Client, query: web::Query<Pagination>) -> Result<HttpResponse, ApiError> {
    let page: Page = query.page()?;
    client
        .respond(0, Record::default(), |_| async {
            let agents = client.api.agents.list(client.tenant_id).await?;
            let shown = page.of(&agents).iter().map(ClientAgentView::from).collect();
            let total = agents.len() as u64;
            Ok(Reply::ok(&ClientAgentPage { agents: shown, paging: PageInfo::new(page, total) }))
        })
        .await
}
