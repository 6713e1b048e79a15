//! Counts every HTTP answer by route and status, and times it: the whole request until the response head, less
//! what it spent waiting on providers (added up by the router in the request's task).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use ares_application::timing::upstream_time;

use super::Metrics;

/// The label of a request's route: its method and route pattern, `unmatched` when no route took it.
fn endpoint(request: &HttpRequest) -> String {
    match request.match_pattern() {
        Some(pattern) => format!("{} {}", request.method(), crate::routes::documented(&pattern)),
        None => "unmatched".to_owned(),
    }
}

/// Observes each request into the app's `Metrics`, when it has some.
///
/// # Errors
/// Whatever the inner service fails with.
pub async fn observe_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let Some(metrics) = request.app_data::<web::Data<Metrics>>().cloned() else { return next.call(request).await };
    let started = Instant::now();
    let (response, upstream) = upstream_time(next.call(request)).await;
    let response = response?;
    let endpoint = endpoint(response.request());
    metrics.answered(&endpoint, response.status().as_u16(), started.elapsed(), upstream);
    Ok(response)
}
