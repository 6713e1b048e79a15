//! The usage analytics port: usage events added up over a time range, cut into buckets or grouped by a dimension.
//! Operators' reports, never on a request's path.

use ares_domain::{Bucket, Dimension, UsageFigures, UsageFilter};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// The events to add up: recorded from `from` (included) to `to` (excluded), matching `filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub filter: UsageFilter,
}

/// One bucket of a time series, for one group (or for all when not grouped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPoint {
    pub start: DateTime<Utc>,
    pub group: Option<Group>,
    pub figures: UsageFigures,
}

/// A group's key (a tenant's id, a model's name, a status), and what people call it when that differs (a tenant's
/// name, an API key's prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    pub label: Option<String>,
}

/// One group of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub group: Group,
    pub figures: UsageFigures,
}

/// Adds usage events up.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UsageAnalytics: Send + Sync + 'static {
    /// The non-empty buckets of `range`, oldest first (by group within a bucket), at most `limit` points.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn timeseries(
        &self,
        range: &UsageRange,
        bucket: Bucket,
        group_by: Option<Dimension>,
        limit: u64,
    ) -> Result<Vec<SeriesPoint>, RepoError>;

    /// `range` grouped by `group_by`, the costliest first (then the busiest), at most `limit` groups.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn breakdown(&self, range: &UsageRange, group_by: Dimension, limit: u64) -> Result<Vec<Slice>, RepoError>;
}
