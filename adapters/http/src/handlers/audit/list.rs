//! `GET /api/admin/audit-log?limit&before&action&actor&tenant_id`: audit entries, newest first.

use actix_web::{HttpResponse, web};
use ares_domain::AuditFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;
use crate::state::InsightApi;
use crate::views::{AuditEntryList, AuditEntryView, ErrorView};

/// `?limit=50&before=<entry id>&action=tenant.created&actor=admin&tenant_id=<id>`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// At most this many: 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Only entries older than this entry (its id): the last entry of the previous page.
    before: Option<String>,
    /// Only this action (`tenant.created`, `agent.deleted`, `api_key.revoked`, ...).
    action: Option<String>,
    /// Only changes by `admin`, or by the API key with this prefix.
    actor: Option<String>,
    /// Only changes to this tenant.
    tenant_id: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        let limit = crate::extract::limit(self.limit, AuditFilter::DEFAULT_LIMIT, AuditFilter::MAX_LIMIT)?;
        Ok(AuditFilter {
            action: self.action.clone(),
            actor: self.actor.clone(),
            tenant_id: id("tenant_id", self.tenant_id.as_deref())?,
            before: id("before", self.before.as_deref())?,
            limit,
        })
    }
}

/// An id from the query, or 400 naming the parameter.
fn id<T: std::str::FromStr>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(str::parse).transpose().map_err(|_| ApiError::BadRequest(format!("{name} is not an id")))
}

/// Every state change made through the Admin API or a tenant's key management, newest first.
#[utoipa::path(
    get,
    path = "/api/admin/audit-log",
    operation_id = "listAuditLog",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "Entries, newest first", body = AuditEntryList),
        (status = 400, description = "`limit` out of range, or `before` or `tenant_id` not an id", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let entries = api.audit.list(&query.filter()?).await?;
    Ok(HttpResponse::Ok().json(AuditEntryList { entries: entries.iter().map(AuditEntryView::from).collect() }))
}
