//! Alerts: the store that keeps them (at most one per condition key, across every instance), and the sink that
//! tells someone outside (webhooks).

use ares_domain::{Alert, AlertId, AuditEntry, NewAlert, Severity};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// Which alerts to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertFilter {
    pub severity: Option<Severity>,
    pub resolved: Option<bool>,
    pub limit: u64,
}

/// Stores alerts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AlertRepository: Send + Sync + 'static {
    /// Stores `alert` raised at `at` unless an alert with its key exists: the stored alert, or `None` when one
    /// existed. Exact under concurrent calls from any number of instances.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn raise(&self, alert: &NewAlert, at: DateTime<Utc>) -> Result<Option<Alert>, RepoError>;

    /// The alerts `filter` selects, newest first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, RepoError>;

    /// Marks the alert resolved at `at` (an alert already resolved keeps its time), storing `audit` with the
    /// change; the alert, or `None` when there is none of that id.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn resolve(&self, id: AlertId, at: DateTime<Utc>, audit: &AuditEntry) -> Result<Option<Alert>, RepoError>;

    /// How many alerts are not resolved.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn count_open(&self) -> Result<u64, RepoError>;
}

/// Tells the world about new alerts (webhooks). Never blocks: delivery, and its retries, happen in the background.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AlertSink: Send + Sync + 'static {
    /// Delivers `alert` to whoever wants its severity.
    fn deliver(&self, alert: &Alert);
}
