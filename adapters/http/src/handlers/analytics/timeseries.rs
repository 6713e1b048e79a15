//! `GET /api/admin/metrics/timeseries?from&to&bucket&group_by&...`: usage cut into time buckets.

use actix_web::{HttpRequest, HttpResponse, web};
use ares_domain::{Bucket, Dimension};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Csv, RangeQuery};
use crate::ApiError;
use crate::state::InsightApi;
use crate::views::{ErrorView, TimeseriesView, UsagePointView};

/// The bucket and the grouping.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SeriesQuery {
    /// `minute`, `hour` or `day` (also `minutes`, `min`, `m`, `hours`, `h`, `days`, `d`), or a duration such as
    /// `30s`, `5m`, `1h`, `1d`. Default: `hour`.
    #[param(example = "1h")]
    bucket: Option<String>,
    /// `tenant`, `agent`, `model`, `provider`, `api_key`, `endpoint` or `status`; one series when not given.
    #[param(pattern = "^(tenant|agent|model|provider|api_key|endpoint|status)$")]
    group_by: Option<String>,
}

/// Usage cut into time buckets (aligned on the Unix epoch, so days start at midnight UTC), grouped by a dimension
/// when asked. Only buckets with usage are listed. At most 10,000 buckets a request.
#[utoipa::path(
    get,
    path = "/api/admin/metrics/timeseries",
    operation_id = "getUsageTimeseries",
    tag = "metrics",
    params(SeriesQuery, RangeQuery),
    responses(
        (status = 200, description = "The buckets, oldest first", content(
            (TimeseriesView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad range, bucket, grouping or filter", body = ErrorView),
    ),
)]
pub(crate) async fn handle(
    api: web::Data<InsightApi>,
    request: HttpRequest,
    series: web::Query<SeriesQuery>,
    range: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let bucket: Bucket = series.bucket.as_deref().unwrap_or("hour").parse().map_err(super::bad_request)?;
    let group_by: Option<Dimension> =
        series.group_by.as_deref().map(str::parse).transpose().map_err(super::bad_request)?;
    let csv = range.csv(&request)?;
    let usage = range.range(&api.analytics)?;
    let points = api.analytics.timeseries(&usage, bucket, group_by).await?;
    let points: Vec<UsagePointView> = points.iter().map(UsagePointView::from).collect();
    if csv {
        let mut csv = Csv::new(&UsagePointView::CSV_HEADER);
        points.iter().for_each(|point| csv.row(point.csv()));
        return Ok(csv.response("ares-usage-timeseries.csv"));
    }
    Ok(HttpResponse::Ok().json(TimeseriesView::new(&usage, bucket, group_by, points)))
}
