//! `GET /health/live`: the process is up and answering (a liveness probe: never the database's fault).

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::Health;

/// `{"status": "ok", "version"}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct LiveView {
    #[schema(example = "ok")]
    status: &'static str,
    version: &'static str,
}

/// The process is up and answering (a liveness probe: never the database's fault).
#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "getLiveness",
    tag = "health",
    responses((status = 200, description = "The process answers", body = LiveView)),
)]
pub(crate) async fn handle(health: web::Data<Health>) -> HttpResponse {
    HttpResponse::Ok().json(LiveView { status: "ok", version: health.version })
}

/// `HEAD /health/live`.
#[utoipa::path(
    head,
    path = "/health/live",
    operation_id = "headLiveness",
    tag = "health",
    responses((status = 200, description = "The process answers")),
)]
pub(crate) async fn head(health: web::Data<Health>) -> HttpResponse {
    handle(health).await
}
