//! `POST /api/admin/tenants/{id}/api-keys`: issues a key (201); the raw key is shown this once.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{expiry_days, key_name};
use crate::extract::tenant_id;
use crate::views::timestamp;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct Body {
    name: String,
    expires_in_days: Option<u32>,
}

pub(crate) async fn handle(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let id = tenant_id(&path)?;
    let body = body.into_inner();
    let issued = state.api_keys.issue(id, key_name(body.name)?, expiry_days(body.expires_in_days)?).await?;
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
