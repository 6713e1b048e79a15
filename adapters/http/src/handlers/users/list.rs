//! `GET /api/admin/users?page&per_page`: every end user, newest first.

use actix_web::{HttpResponse, web};

use crate::ApiError;
use crate::handlers::v1::Pagination;
use crate::state::AdminApi;
use crate::views::{ErrorView, PageInfo, UserPage, UserView};

/// A page of users, newest first.
#[utoipa::path(
    get,
    path = "/api/admin/users",
    operation_id = "listUsers",
    tag = "users",
    params(Pagination),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 400, description = "A page outside the allowed range", body = ErrorView),
    ),
)]
pub(crate) async fn handle(api: web::Data<AdminApi>, query: web::Query<Pagination>) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let (users, total) = api.users.page(page).await?;
    let users = users.iter().map(UserView::from).collect();
    Ok(HttpResponse::Ok().json(UserPage { users, paging: PageInfo::new(page, total) }))
}
