//! `GET /v1/usage`: the caller's usage in the current billing period (the calendar month, UTC), day by day.

use actix_web::{HttpResponse, web};
use ares_application::usecases::Outcome;

use crate::client_auth::Client;
use crate::metered::{admit, answer};
use crate::views::UsageView;
use crate::{ApiError, AppState};

pub(crate) async fn handle(state: web::Data<AppState>, Client(client): Client) -> Result<HttpResponse, ApiError> {
    let admitted = admit(&state, &client, "GET /v1/usage", 0).await?;
    let result = async {
        let report = state.metering.report(&client).await?;
        Ok(HttpResponse::Ok().json(UsageView::from(&report)))
    }
    .await;
    answer(admitted, Outcome::default(), result).await
}
