//! `GET /health/ready`: ready for traffic only when the database answers (a readiness probe); 503 otherwise.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::database_up;
use crate::state::Health;

/// `{"status": "ready"}`, or why not.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReadyView {
    /// `ready` or `unavailable`.
    #[schema(example = "ready")]
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dependencies: Option<ReadyDependencies>,
}

/// Each dependency's state: `down` when it does not answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReadyDependencies {
    database: &'static str,
}

/// Ready for traffic only when the database answers (a readiness probe).
///
/// 503 otherwise.
#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "getReadiness",
    tag = "health",
    responses(
        (status = 200, description = "Ready for traffic", body = ReadyView),
        (status = 503, description = "The database does not answer", body = ReadyView),
    ),
)]
pub(crate) async fn handle(health: web::Data<Health>) -> HttpResponse {
    if database_up(&health).await {
        HttpResponse::Ok().json(ReadyView { status: "ready", error: None, dependencies: None })
    } else {
        HttpResponse::ServiceUnavailable().json(ReadyView {
            status: "unavailable",
            error: Some("Database unavailable"),
            dependencies: Some(ReadyDependencies { database: "down" }),
        })
    }
}

/// `HEAD /health/ready`.
#[utoipa::path(
    head,
    path = "/health/ready",
    operation_id = "headReadiness",
    tag = "health",
    responses((status = 200, description = "Ready for traffic"), (status = 503, description = "Not ready")),
)]
pub(crate) async fn head(health: web::Data<Health>) -> HttpResponse {
    handle(health).await
}
