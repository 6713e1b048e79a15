//! `GET /v1/api-keys?page&per_page`: the caller's live keys, oldest first, by prefix only. Counted, but never
//! refused by a limit.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::client_auth::Client;
use crate::handlers::v1::Pagination;
use crate::metered::Reply;
use crate::views::{ClientKeyPage, ClientKeyView, PageInfo};

/// The caller's live keys, oldest first, by prefix only.
///
/// Counted, but never refused by a limit.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    operation_id = "listApiKeys",
    tag = "client",
    params(Pagination),
    responses((status = 200, description = "A page of the caller's live keys", body = ClientKeyPage)),
)]
pub(crate) async fn handle(client: Client, query: web::Query<Pagination>) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    client
        .respond_counted(|_| async {
            let listed = client.api.api_keys.list(client.tenant_id, true, page).await?;
            let keys = listed.keys.iter().map(ClientKeyView::from).collect();
            Ok(Reply::ok(&ClientKeyPage { keys, paging: PageInfo::new(page, listed.total) }))
        })
        .await
}
