//! `POST /api/admin/alerts/{id}/resolve`: marks an alert resolved (200, the alert).

use actix_web::{HttpResponse, web};
use ares_domain::{Actor, AlertId};

use crate::ApiError;
use crate::state::InsightApi;
use crate::views::{AlertView, ErrorView};

/// Marks an alert resolved and returns it; resolving a resolved alert changes nothing.
#[utoipa::path(
    post,
    path = "/api/admin/alerts/{id}/resolve",
    operation_id = "resolveAlert",
    tag = "alerts",
    params(("id" = String, Path, description = "The alert's id")),
    responses(
        (status = 200, description = "The resolved alert", body = AlertView),
        (status = 404, description = "No such alert", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<InsightApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: AlertId = path.parse().map_err(|_| ApiError::NotFound("Alert not found".into()))?;
    let alert = api.alerts.resolve(id, &Actor::Admin).await?;
    Ok(HttpResponse::Ok().json(AlertView::from(&alert)))
}
