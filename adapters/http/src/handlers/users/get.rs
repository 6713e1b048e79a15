//! `GET /api/admin/users/{id}`: one end user.

use actix_web::{HttpResponse, web};

use super::user_id;
use crate::ApiError;
use crate::state::AdminApi;
use crate::views::{ErrorView, UserView};

/// One user.
#[utoipa::path(
    get,
    path = "/api/admin/users/{id}",
    operation_id = "getUser",
    tag = "users",
    params(("id" = String, Path, description = "The user's id (`usr_...`)")),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 404, description = "No such user", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let user = api.users.get(user_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}
