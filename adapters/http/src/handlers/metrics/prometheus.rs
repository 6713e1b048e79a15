//! `GET /api/admin/metrics/prometheus` (and `GET /metrics` on the metrics listener): the Prometheus text
//! exposition, rendered from in-process counters.

use actix_web::{HttpResponse, web};

use crate::metrics::Metrics;

/// The content type of the Prometheus text exposition format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Requests, failures, tokens and cost by endpoint, tier, provider and model; quota refusals; HTTP answers by route
/// and status; the gateway's own time and upstream latency; circuits, pools, the metering pipeline and webhooks.
/// Read from memory only: scraping never touches the database.
#[utoipa::path(
    get,
    path = "/api/admin/metrics/prometheus",
    operation_id = "getPrometheusMetrics",
    tag = "metrics",
    responses((
        status = 200,
        description = "The Prometheus text exposition (version 0.0.4)",
        body = String,
        content_type = "text/plain; version=0.0.4; charset=utf-8",
    )),
)]
pub(crate) async fn handle(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(metrics.render())
}

/// `GET /metrics` on the metrics listener: the same exposition, for a scraper on a private network.
pub async fn expose(metrics: web::Data<Metrics>) -> HttpResponse {
    handle(metrics).await
}
