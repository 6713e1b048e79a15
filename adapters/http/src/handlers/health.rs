//! `GET /health`: liveness with the version and the database backend; 503 when the database does not answer.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::Health;

pub(crate) async fn get(health: web::Data<Health>) -> HttpResponse {
    let database = health.store.backend();
    match health.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "ok",
            "version": health.version,
            "database": database,
        })),
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "version": health.version,
                "database": database,
                "error": "Database unavailable",
            }))
        }
    }
}
