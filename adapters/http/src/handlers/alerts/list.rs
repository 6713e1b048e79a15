//! `GET /api/admin/alerts?severity&resolved&limit`: alerts, newest first.

use actix_web::{HttpResponse, web};
use ares_application::ports::AlertFilter;
use ares_domain::Severity;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;
use crate::state::InsightApi;
use crate::views::{AlertList, AlertView, ErrorView};

/// The most alerts one answer lists.
const MAX_LIMIT: u64 = 1000;

/// `?severity=critical&resolved=false&limit=100`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AlertQuery {
    /// `info`, `warning` or `critical` (default: all).
    #[param(value_type = Option<crate::views::SeverityName>)]
    severity: Option<String>,
    /// Only resolved (`true`) or open (`false`) alerts (default: both).
    resolved: Option<bool>,
    /// At most this many: 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

impl AlertQuery {
    fn filter(&self) -> Result<AlertFilter, ApiError> {
        let severity = self.severity.as_deref().map(str::parse::<Severity>).transpose();
        let severity = severity.map_err(|err| ApiError::BadRequest(err.to_string()))?;
        let limit = crate::extract::limit(self.limit, 100, MAX_LIMIT)?;
        Ok(AlertFilter { severity, resolved: self.resolved, limit })
    }
}

/// The alerts the platform raised, newest first.
#[utoipa::path(
    get,
    path = "/api/admin/alerts",
    operation_id = "listAlerts",
    tag = "alerts",
    params(AlertQuery),
    responses(
        (status = 200, description = "Alerts, newest first", body = AlertList),
        (status = 400, description = "An unknown severity, or `limit` out of range", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    let alerts = api.alerts.list(&query.filter()?).await?;
    Ok(HttpResponse::Ok().json(AlertList { alerts: alerts.iter().map(AlertView::from).collect() }))
}
