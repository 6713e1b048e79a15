//! The clock port: quota periods are UTC days and calendar months, so tests must be able to move time.

use chrono::{DateTime, Utc};

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}
