//! `GET /health/ready`: ready for traffic only when the database answers (a readiness probe); 503 otherwise.

use actix_web::{HttpResponse, web};

use super::database_up;
use crate::state::Health;

pub(crate) async fn handle(health: web::Data<Health>) -> HttpResponse {
    if database_up(&health).await {
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({
            "status": "unavailable",
            "error": "Database unavailable",
            "dependencies": {"database": "down"},
        }))
    }
}
