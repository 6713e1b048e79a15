//! The audit log port: reading the entries. Entries are written by the repositories whose changes they describe,
//! in the same transaction (each mutating repository method takes its `AuditEntry`).

use ares_domain::{AuditEntry, AuditFilter};
use async_trait::async_trait;

use super::RepoError;

/// Reads the audit log.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync + 'static {
    /// The entries `filter` selects, newest first, at most `filter.limit`.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    async fn list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, RepoError>;
}
