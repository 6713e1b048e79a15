//! Usage analytics for operators: time series and breakdowns over the usage events, with the ranges checked so a
//! report stays cheap (at most a year, at most `MAX_POINTS` buckets).

use std::sync::Arc;

use ares_domain::{Bucket, Dimension};
use chrono::{DateTime, Duration, Utc};

use crate::ports::{Clock, RepoError, SeriesPoint, Slice, UsageAnalytics, UsageRange};

/// The most buckets one time series covers.
pub const MAX_POINTS: i64 = 10_000;
/// The longest range a report covers, in days.
pub const MAX_RANGE_DAYS: i64 = 366;

/// What an analytics request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The range or the bucket cannot be served (the message says why).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for AnalyticsError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

/// Time series and breakdowns.
pub struct Analytics {
    store: Arc<dyn UsageAnalytics>,
    clock: Arc<dyn Clock>,
}

impl Analytics {
    #[must_use]
    pub fn new(store: Arc<dyn UsageAnalytics>, clock: Arc<dyn Clock>) -> Self {
        Analytics { store, clock }
    }

    /// The range from `from` to `to`: `to` defaults to now, `from` to a day before `to`.
    ///
    /// # Errors
    /// `Invalid` when `from` is not before `to`, or the range is longer than a year.
    pub fn range(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        filter: ares_domain::UsageFilter,
    ) -> Result<UsageRange, AnalyticsError> {
        let to = to.unwrap_or_else(|| self.clock.now());
        let from = from.unwrap_or(to - Duration::days(1));
        if from >= to {
            return Err(AnalyticsError::Invalid("from must be before to".into()));
        }
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(AnalyticsError::Invalid(format!("a range covers at most {MAX_RANGE_DAYS} days")));
        }
        Ok(UsageRange { from, to, filter })
    }

    /// `range` cut into `bucket`s, grouped by `group_by` when given.
    ///
    /// # Errors
    /// `Invalid` when the range holds more than `MAX_POINTS` buckets, or the series more than `MAX_POINTS` points
    /// (buckets times groups).
    pub async fn timeseries(
        &self,
        range: &UsageRange,
        bucket: Bucket,
        group_by: Option<Dimension>,
    ) -> Result<Vec<SeriesPoint>, AnalyticsError> {
        let width = i64::from(bucket.seconds());
        let buckets = ((range.to - range.from).num_seconds() + width - 1) / width;
        if buckets > MAX_POINTS {
            return Err(AnalyticsError::Invalid(format!(
                "{buckets} buckets of {} is more than {MAX_POINTS}: choose a wider bucket or a shorter range",
                bucket.label()
            )));
        }
        let points = self.store.timeseries(range, bucket, group_by, MAX_POINTS.unsigned_abs() + 1).await?;
        if points.len() > MAX_POINTS.unsigned_abs() as usize {
            return Err(AnalyticsError::Invalid(format!(
                "the series has more than {MAX_POINTS} points: choose a wider bucket, a shorter range or a filter"
            )));
        }
        Ok(points)
    }

    /// `range` grouped by `group_by`, the costliest first, at most `limit` groups.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn breakdown(
        &self,
        range: &UsageRange,
        group_by: Dimension,
        limit: u64,
    ) -> Result<Vec<Slice>, AnalyticsError> {
        Ok(self.store.breakdown(range, group_by, limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use ares_domain::UsageFilter;
    use chrono::TimeZone;

    use super::*;
    use crate::ports::{MockClock, MockUsageAnalytics};

    fn analytics(store: MockUsageAnalytics) -> Analytics {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Utc.with_ymd_and_hms(2026, 3, 13, 12, 0, 0).unwrap());
        Analytics::new(Arc::new(store), Arc::new(clock))
    }

    #[test]
    fn the_range_defaults_to_the_last_day_and_must_run_forward_within_a_year() {
        let analytics = analytics(MockUsageAnalytics::new());
        let range = analytics.range(None, None, UsageFilter::default()).unwrap();
        assert_eq!(range.to - range.from, Duration::days(1));
        let at = |d| Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).unwrap();
        assert!(analytics.range(Some(at(13)), Some(at(12)), UsageFilter::default()).is_err());
        let year = Some(at(1) - Duration::days(367));
        assert!(analytics.range(year, Some(at(1)), UsageFilter::default()).is_err());
    }

    #[tokio::test]
    async fn a_series_of_too_many_buckets_is_refused_before_the_store_is_asked() {
        let mut store = MockUsageAnalytics::new();
        store.expect_timeseries().never();
        let analytics = analytics(store);
        let range = analytics.range(Some(Utc::now() - Duration::days(30)), Some(Utc::now()), UsageFilter::default());
        let err = analytics.timeseries(&range.unwrap(), Bucket::MINUTE, None).await.unwrap_err();
        assert!(err.to_string().contains("more than 10000"), "{err}");
    }
}
