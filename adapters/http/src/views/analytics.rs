//! Usage analytics as JSON and as CSV rows: one figure set per bucket or group. Money is US dollars.

use ares_application::ports::{Group, SeriesPoint, Slice, UsageRange};
use ares_domain::usage::usd;
use ares_domain::{Bucket, Dimension, UsageFigures};
use serde::Serialize;
use utoipa::ToSchema;

use super::timestamp;

/// What a bucket or a group adds up to.
#[derive(Serialize, ToSchema)]
pub(crate) struct FiguresView {
    requests: u64,
    /// Answered with a status of 400 or more.
    failures: u64,
    tokens_in: u64,
    tokens_out: u64,
    cost_usd: f64,
    avg_latency_ms: f64,
}

impl From<&UsageFigures> for FiguresView {
    fn from(figures: &UsageFigures) -> Self {
        FiguresView {
            requests: figures.requests,
            failures: figures.failures,
            tokens_in: figures.tokens_in,
            tokens_out: figures.tokens_out,
            cost_usd: usd(figures.cost_nanos),
            avg_latency_ms: (figures.avg_latency_ms() * 10.0).round() / 10.0,
        }
    }
}

impl FiguresView {
    const CSV_HEADER: [&'static str; 6] =
        ["requests", "failures", "tokens_in", "tokens_out", "cost_usd", "avg_latency_ms"];

    fn csv(&self) -> [String; 6] {
        [
            self.requests.to_string(),
            self.failures.to_string(),
            self.tokens_in.to_string(),
            self.tokens_out.to_string(),
            format!("{:.9}", self.cost_usd),
            format!("{:.1}", self.avg_latency_ms),
        ]
    }
}

/// One bucket of a series.
#[derive(Serialize, ToSchema)]
pub(crate) struct UsagePointView {
    /// The bucket's start.
    #[schema(format = DateTime)]
    start: String,
    /// The group's key (a tenant's id, a model's name, ...), or `null` when not grouped.
    #[schema(required = true)]
    group: Option<String>,
    /// The group's name when it differs from its key (a tenant's name, an API key's prefix).
    #[schema(required = true)]
    label: Option<String>,
    #[serde(flatten)]
    figures: FiguresView,
}

impl From<&SeriesPoint> for UsagePointView {
    fn from(point: &SeriesPoint) -> Self {
        UsagePointView {
            start: timestamp(point.start),
            group: point.group.as_ref().map(|g| g.key.clone()),
            label: point.group.as_ref().and_then(|g| g.label.clone()),
            figures: FiguresView::from(&point.figures),
        }
    }
}

impl UsagePointView {
    pub(crate) const CSV_HEADER: [&'static str; 9] = [
        "start",
        "group",
        "label",
        FiguresView::CSV_HEADER[0],
        FiguresView::CSV_HEADER[1],
        FiguresView::CSV_HEADER[2],
        FiguresView::CSV_HEADER[3],
        FiguresView::CSV_HEADER[4],
        FiguresView::CSV_HEADER[5],
    ];

    pub(crate) fn csv(&self) -> Vec<String> {
        let mut row =
            vec![self.start.clone(), self.group.clone().unwrap_or_default(), self.label.clone().unwrap_or_default()];
        row.extend(self.figures.csv());
        row
    }
}

/// A usage time series.
#[derive(Serialize, ToSchema)]
pub(crate) struct TimeseriesView {
    #[schema(format = DateTime)]
    from: String,
    #[schema(format = DateTime)]
    to: String,
    /// The bucket's width: `1m`, `5m`, `1h`, `1d`, ...
    #[schema(example = "1h")]
    bucket: String,
    bucket_seconds: u32,
    #[schema(required = true)]
    group_by: Option<&'static str>,
    points: Vec<UsagePointView>,
}

impl TimeseriesView {
    pub(crate) fn new(
        range: &UsageRange,
        bucket: Bucket,
        group_by: Option<Dimension>,
        points: Vec<UsagePointView>,
    ) -> Self {
        TimeseriesView {
            from: timestamp(range.from),
            to: timestamp(range.to),
            bucket: bucket.label(),
            bucket_seconds: bucket.seconds(),
            group_by: group_by.map(Dimension::as_str),
            points,
        }
    }
}

/// One group of a breakdown.
#[derive(Serialize, ToSchema)]
pub(crate) struct UsageSliceView {
    /// The group's key: a tenant's id, an API key's id, a model's name, a status, ...
    key: String,
    /// Its name when it differs from its key (a tenant's name, an API key's prefix).
    #[schema(required = true)]
    label: Option<String>,
    #[serde(flatten)]
    figures: FiguresView,
}

impl From<&Slice> for UsageSliceView {
    fn from(slice: &Slice) -> Self {
        let Group { key, label } = &slice.group;
        UsageSliceView { key: key.clone(), label: label.clone(), figures: FiguresView::from(&slice.figures) }
    }
}

impl UsageSliceView {
    pub(crate) const CSV_HEADER: [&'static str; 8] = [
        "key",
        "label",
        FiguresView::CSV_HEADER[0],
        FiguresView::CSV_HEADER[1],
        FiguresView::CSV_HEADER[2],
        FiguresView::CSV_HEADER[3],
        FiguresView::CSV_HEADER[4],
        FiguresView::CSV_HEADER[5],
    ];

    pub(crate) fn csv(&self) -> Vec<String> {
        let mut row = vec![self.key.clone(), self.label.clone().unwrap_or_default()];
        row.extend(self.figures.csv());
        row
    }
}

/// Usage grouped by one dimension.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z", "group_by": "tenant",
    "rows": [{"key": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "label": "acme-corp", "requests": 5290,
              "failures": 12, "tokens_in": 2101880, "tokens_out": 745313, "cost_usd": 1.8289, "avg_latency_ms": 1102.4}]
}))]
pub(crate) struct BreakdownView {
    #[schema(format = DateTime)]
    from: String,
    #[schema(format = DateTime)]
    to: String,
    group_by: &'static str,
    rows: Vec<UsageSliceView>,
}

impl BreakdownView {
    pub(crate) fn new(range: &UsageRange, group_by: Dimension, rows: Vec<UsageSliceView>) -> Self {
        BreakdownView { from: timestamp(range.from), to: timestamp(range.to), group_by: group_by.as_str(), rows }
    }
}
