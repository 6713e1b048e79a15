//! `GET /openapi.json`: the OpenAPI 3.1 document of every route.

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;

/// The document, as generated from the handlers and views.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApiDocument",
    tag = "docs",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json",
               body = Object)),
)]
pub(crate) async fn handle() -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(crate::openapi::document())
}
