//! `GET /health/live`: the process is up and answering (a liveness probe: never the database's fault).

use actix_web::{HttpResponse, web};

use crate::state::Health;

pub(crate) async fn handle(health: web::Data<Health>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok", "version": health.version}))
}
