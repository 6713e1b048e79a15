//! Maps diesel and pool errors onto the repository error of the ports, once.

use ares_application::ports::{Conflict, RepoError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;

/// A connection could not be had from the pool in time.
pub(crate) fn pool_error(err: PoolError) -> RepoError {
    RepoError::Unexpected(anyhow::Error::new(err).context("cannot get a database connection"))
}

/// A query failed: unique violations become `Conflict`, the rest `Unexpected`.
pub(crate) fn query_error(err: DieselError) -> RepoError {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &err {
        let which = info.constraint_name().unwrap_or_else(|| info.message());
        return RepoError::Conflict(conflict_of(which));
    }
    RepoError::Unexpected(anyhow::Error::new(err))
}

/// PostgreSQL names the constraint (`tenants_name_unique`); SQLite names the columns
/// (`UNIQUE constraint failed: tenants.name`).
fn conflict_of(which: &str) -> Conflict {
    if which.contains("tenants_name") || which.contains("tenants.name") {
        Conflict::TenantName
    } else if which.contains("agents_tenant_name") || which.contains("agents.tenant_id, agents.name") {
        Conflict::AgentName
    } else if which.contains("providers_pkey") || which.contains("providers.name") {
        Conflict::ProviderName
    } else {
        Conflict::Other
    }
}

/// A stored value that does not read back as a domain value.
pub(crate) fn corrupt(what: &str, err: impl std::fmt::Display) -> RepoError {
    RepoError::Unexpected(anyhow::anyhow!("corrupt {what} in the store: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_name_the_same_conflicts() {
        assert_eq!(conflict_of("tenants_name_unique"), Conflict::TenantName);
        assert_eq!(conflict_of("UNIQUE constraint failed: tenants.name"), Conflict::TenantName);
        assert_eq!(conflict_of("agents_tenant_name_unique"), Conflict::AgentName);
        assert_eq!(conflict_of("UNIQUE constraint failed: agents.tenant_id, agents.name"), Conflict::AgentName);
        assert_eq!(conflict_of("providers_pkey"), Conflict::ProviderName);
        assert_eq!(conflict_of("UNIQUE constraint failed: providers.name"), Conflict::ProviderName);
        assert_eq!(conflict_of("api_keys_hash_unique"), Conflict::Other);
    }
}
