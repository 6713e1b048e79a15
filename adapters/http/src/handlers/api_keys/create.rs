//! `POST /api/admin/tenants/{id}/api-keys`: issues a key (201); the raw key is shown this once.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::KeyBody;
use crate::ApiError;
use crate::extract::tenant_id;
use crate::state::AdminApi;
use crate::views::timestamp;

pub(crate) async fn handle(
    api: web::Data<AdminApi>,
    path: web::Path<String>,
    body: web::Json<KeyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let (name, lifetime) = body.checked()?;
    let issued = api.api_keys.issue(id, name, lifetime).await?;
    tracing::info!(tenant.id = %id, api_key.id = %issued.key.id, "api key issued");
    Ok(HttpResponse::Created().json(json!({
        "id": issued.key.id.to_string(),
        "name": issued.key.name,
        "prefix": issued.key.prefix,
        "raw_key": issued.raw_key.expose(),
        "created_at": timestamp(issued.key.created_at),
        "expires_at": issued.key.expires_at.map(timestamp),
    })))
}
