//! `GET /health` (and `HEAD`): the version, the database backend and each dependency's state; 503 when one is
//! down.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::database_up;
use crate::state::Health;

/// One dependency's state.
#[derive(Serialize, ToSchema)]
struct DependencyState {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
struct HealthDependencies {
    database: DependencyState,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HealthReport {
    status: &'static str,
    version: &'static str,
    database: &'static str,
    dependencies: HealthDependencies,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

/// The version, the database backend and each dependency's state.
///
/// 503 when one is down.
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "getHealth",
    tag = "health",
    responses(
        (status = 200, description = "Up, with every dependency", body = HealthReport),
        (status = 503, description = "A dependency is down", body = HealthReport),
    ),
)]
pub(crate) async fn handle(health: web::Data<Health>) -> HttpResponse {
    let up = database_up(&health).await;
    let view = HealthReport {
        status: if up { "ok" } else { "unavailable" },
        version: health.version,
        database: health.store.backend(),
        dependencies: HealthDependencies {
            database: DependencyState {
                status: if up { "ok" } else { "down" },
                error: (!up).then_some("Database unavailable"),
            },
        },
        error: (!up).then_some("Database unavailable"),
    };
    if up { HttpResponse::Ok().json(view) } else { HttpResponse::ServiceUnavailable().json(view) }
}

/// `HEAD /health`: the status of `GET`, without the body.
#[utoipa::path(
    head,
    path = "/health",
    operation_id = "headHealth",
    tag = "health",
    responses((status = 200, description = "Up"), (status = 503, description = "A dependency is down")),
)]
pub(crate) async fn head(health: web::Data<Health>) -> HttpResponse {
    handle(health).await
}
