//! `PUT /api/admin/users/{id}`: moves a user to another tier, or disables or enables them; audited.

use actix_web::{HttpResponse, web};
use ares_domain::{Actor, Tier, UserChange};
use serde::Deserialize;
use utoipa::ToSchema;

use super::user_id;
use crate::ApiError;
use crate::extract::parse_json;
use crate::state::AdminApi;
use crate::views::{ErrorView, TierName, UserView};

/// What to change; fields left out stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChangeBody {
    #[schema(value_type = Option<TierName>, example = "pro")]
    tier: Option<String>,
    /// A disabled user cannot sign in, and their tokens stop working.
    disabled: Option<bool>,
}

/// Changes a user's tier or disables them; answers the user as changed.
#[utoipa::path(
    put,
    path = "/api/admin/users/{id}",
    operation_id = "updateUser",
    tag = "users",
    params(("id" = String, Path, description = "The user's id (`usr_...`)")),
    request_body = UserChangeBody,
    responses(
        (status = 200, description = "The user as changed", body = UserView),
        (status = 400, description = "A malformed body", body = ErrorView),
        (status = 404, description = "No such user", body = ErrorView),
        (status = 422, description = "An unknown tier", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&path)?;
    let body: UserChangeBody = parse_json(&body)?;
    let tier = body.tier.as_deref().map(str::parse::<Tier>).transpose()?;
    let user = api.users.update(&Actor::Admin, id, UserChange { tier, disabled: body.disabled }).await?;
    tracing::info!(user.id = %id, "user changed");
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}
