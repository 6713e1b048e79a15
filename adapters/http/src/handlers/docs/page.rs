//! `GET /docs/`: Swagger UI on `/openapi.json`, its assets inside the binary (no CDN: it works offline).

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use actix_web::http::header::{CONTENT_ENCODING, ContentEncoding};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::Config;

use crate::ApiError;

static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    // No validator badge: it would send the document's address to validator.swagger.io.
    let config = Config::new(["/openapi.json"]).validator_url("none").display_operation_id(true);
    Arc::new(config.try_it_out_enabled(true).persist_authorization(true))
});

/// The page (`/docs/`) and its assets (`/docs/swagger-ui.css`, ...).
#[utoipa::path(
    get,
    path = "/docs/{file}",
    operation_id = "getDocsPage",
    tag = "docs",
    params(("file" = String, Path, description = "An asset of the page; empty for the page itself")),
    responses(
        (status = 200, description = "The page or one of its assets", content(
            (String = "text/html"),
            (String = "text/css"),
            (String = "text/javascript"),
            (String = "image/png"),
        )),
        (status = 404, description = "No such asset", body = crate::views::ErrorView),
    ),
)]
pub(crate) async fn handle(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let served = utoipa_swagger_ui::serve(&file, CONFIG.clone())
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("the docs page cannot be served: {err}")))?
        .ok_or_else(|| ApiError::NotFound(format!("No docs asset {}", file.escape_debug())))?;
    let mut response = HttpResponse::Ok();
    response.content_type(served.content_type);
    if served.gzpipped {
        response.insert_header((CONTENT_ENCODING, ContentEncoding::Gzip));
    }
    // The assets are in the binary: sent from there, not copied for each request.
    let body = match served.bytes {
        Cow::Borrowed(bytes) => Bytes::from_static(bytes),
        Cow::Owned(bytes) => Bytes::from(bytes),
    };
    Ok(response.body(body))
}
