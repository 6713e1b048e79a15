//! Reading the audit log. Entries are written with the changes they describe, by the use cases that make them.

use std::sync::Arc;

use ares_domain::{AuditEntry, AuditFilter};

use crate::ports::{AuditLog, RepoError};

/// The operators' view of the audit log.
pub struct AuditTrail {
    log: Arc<dyn AuditLog>,
}

impl AuditTrail {
    #[must_use]
    pub fn new(log: Arc<dyn AuditLog>) -> Self {
        AuditTrail { log }
    }

    /// The entries `filter` selects, newest first.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, RepoError> {
        self.log.list(filter).await
    }
}
