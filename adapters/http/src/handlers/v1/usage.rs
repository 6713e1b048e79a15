//! `GET /v1/usage`: the caller's usage in the current billing period (the calendar month, UTC), day by day.
//! Counted, but never refused by a limit: a client at its limit can find out why and when it resets.

use actix_web::HttpResponse;

use crate::ApiError;
use crate::client_auth::Client;
use crate::metered::Reply;
use crate::views::UsageView;

/// The caller's usage in the current billing period (the calendar month, UTC), day by day.
///
/// Counted, but never refused by a limit: a client at its limit can find out why and when it resets.
#[utoipa::path(
    get,
    path = "/v1/usage",
    operation_id = "getUsage",
    tag = "client",
    responses((status = 200, description = "This month's usage, day by day", body = UsageView)),
)]
pub(crate) async fn handle(client: Client) -> Result<HttpResponse, ApiError> {
    client
        .respond_counted(|_| async {
            let report = client.api.metering.report(&client.caller).await?;
            Ok(Reply::ok(&UsageView::from(&report)))
        })
        .await
}
