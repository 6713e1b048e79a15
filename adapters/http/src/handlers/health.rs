//! `GET /health`: liveness with the version and the database backend; 503 when the database does not answer.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;

pub(crate) async fn get(state: web::Data<AppState>) -> HttpResponse {
    let database = state.store.backend();
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "ok",
            "version": state.version,
            "database": database,
        })),
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "version": state.version,
                "database": database,
                "error": "Database unavailable",
            }))
        }
    }
}
