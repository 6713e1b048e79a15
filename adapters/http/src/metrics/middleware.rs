//! Counts every HTTP answer by route and status, and times it: the whole request until the response head, less
//! what it spent waiting on providers (added up by the router in the request's task).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use ares_application::timing::upstream_time;

use super::Metrics;

/// The label of a request's route: its method and route pattern (from the app's route map, known before the route
/// runs), `unmatched` when no route takes it.
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
    let label = endpoint(request.request());
    let (response, upstream) = upstream_time(next.call(request)).await;
    match response {
        Ok(response) => {
            metrics.answered(&label, response.status().as_u16(), started.elapsed(), upstream);
            Ok(response)
        }
        // A middleware refused it (the admin secret, the per-IP limit): counted with the status it gets.
        Err(err) => {
            let status = err.as_response_error().status_code().as_u16();
            metrics.answered(&label, status, started.elapsed(), upstream);
            Err(err)
        }
    }
}
