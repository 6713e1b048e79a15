//! `GET /docs`: redirects to `/docs/`, so that the page's relative asset paths resolve.

use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;

/// Sends `/docs` to `/docs/`.
#[utoipa::path(
    get,
    path = "/docs",
    operation_id = "redirectToDocsPage",
    tag = "docs",
    responses((status = 308, description = "To `/docs/`", headers(("Location" = String, description = "`/docs/`")))),
)]
pub(crate) async fn handle() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((LOCATION, "/docs/")).finish()
}
