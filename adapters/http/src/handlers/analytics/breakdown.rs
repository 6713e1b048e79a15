//! `GET /api/admin/metrics/breakdown?from&to&group_by&...`: usage grouped by one dimension, the costliest first.

use actix_web::{HttpRequest, HttpResponse, web};
use ares_domain::Dimension;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Csv, RangeQuery};
use crate::ApiError;
use crate::state::InsightApi;
use crate::views::{BreakdownView, ErrorView, UsageSliceView};

/// The most groups one breakdown lists.
const MAX_LIMIT: u64 = 10_000;

/// The grouping.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BreakdownQuery {
    /// `tenant`, `agent`, `model`, `provider`, `api_key`, `endpoint` or `status`. Default: `tenant`.
    #[param(pattern = "^(tenant|agent|model|provider|api_key|endpoint|status)$")]
    group_by: Option<String>,
    /// At most this many groups: 1 to 10000 (default 100).
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<u64>,
}

/// Usage grouped by one dimension: requests, failures, tokens, cost and average latency per group, the costliest
/// first. A tenant's group carries its name, an API key's its prefix. With `Accept: text/csv` or `format=csv`, a CSV
/// a spreadsheet opens (a month's cost per tenant: `from=2026-03-01&to=2026-04-01&group_by=tenant&format=csv`).
#[utoipa::path(
    get,
    path = "/api/admin/metrics/breakdown",
    operation_id = "getUsageBreakdown",
    tag = "metrics",
    params(BreakdownQuery, RangeQuery),
    responses(
        (status = 200, description = "The groups, costliest first", content(
            (BreakdownView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad range, grouping, limit or filter", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    request: HttpRequest,
    query: web::Query<BreakdownQuery>,
    range: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let group_by: Dimension = query.group_by.as_deref().unwrap_or("tenant").parse().map_err(super::bad_request)?;
    let limit = crate::extract::limit(query.limit, 100, MAX_LIMIT)?;
    let csv = range.csv(&request)?;
    let usage = range.range(&api.analytics)?;
    let slices = api.analytics.breakdown(&usage, group_by, limit).await?;
    let rows: Vec<UsageSliceView> = slices.iter().map(UsageSliceView::from).collect();
    if csv {
        let mut csv = Csv::new(&UsageSliceView::CSV_HEADER);
        rows.iter().for_each(|row| csv.row(row.csv()));
        return Ok(csv.response(&format!("ares-usage-by-{group_by}.csv")));
    }
    Ok(HttpResponse::Ok().json(BreakdownView::new(&usage, group_by, rows)))
}
