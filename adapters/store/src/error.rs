//! Maps diesel and pool errors onto the repository error of the ports, once.

use ares_application::ports::{Conflict, RepoError, StoreUnavailable};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;

/// A connection could not be had from the pool in time (the database is down, or every connection is busy):
/// the store is unavailable for now.
pub(crate) fn pool_error(err: PoolError) -> RepoError {
    StoreUnavailable::error(format_args!("cannot get a database connection: {err}"))
}

/// A query failed: unique violations become `Conflict`, a lost connection `StoreUnavailable`, the rest
/// `Unexpected`.
pub(crate) fn query_error(err: DieselError) -> RepoError {
    match &err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let which = info.constraint_name().unwrap_or_else(|| info.message());
            RepoError::Conflict(conflict_of(which))
        }
        DieselError::DatabaseError(kind, info) if connection_lost(kind, info.message()) => {
            StoreUnavailable::error(format_args!("the database connection was lost: {err}"))
        }
        _ => RepoError::Unexpected(anyhow::Error::new(err)),
    }
}

/// Whether a database error says the connection (or the server behind it) went away rather than the query failed.
fn connection_lost(kind: &DatabaseErrorKind, message: &str) -> bool {
    const LOST: [&str; 5] = [
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "connection closed",
        "database is locked",
    ];
    matches!(kind, DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand)
        || LOST.iter().any(|lost| message.contains(lost))
}

/// PostgreSQL names the constraint (`tenants_name_unique`); SQLite names the columns
/// (`UNIQUE constraint failed: tenants.name`).
fn conflict_of(which: &str) -> Conflict {
    if which.contains("tenants_name") || which.contains("tenants.name") {
        Conflict::TenantName
    } else if which.contains("agents_tenant_name")
        || which.contains("agents.tenant_id, agents.name")
        || which.contains("user_agents_pkey")
        || which.contains("user_agents.user_id, user_agents.name")
    {
        Conflict::AgentName
    } else if which.contains("users_email") || which.contains("users.email") {
        Conflict::Email
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
    fn a_lost_connection_is_the_store_being_unavailable() {
        assert!(connection_lost(&DatabaseErrorKind::ClosedConnection, ""));
        assert!(connection_lost(
            &DatabaseErrorKind::Unknown,
            "FATAL: terminating connection due to administrator command"
        ));
        assert!(!connection_lost(&DatabaseErrorKind::Unknown, "syntax error at or near"));
        let RepoError::Unexpected(err) = StoreUnavailable::error("down") else { panic!() };
        assert!(StoreUnavailable::caused(&err));
        assert!(StoreUnavailable::caused(&anyhow::Error::new(StoreUnavailable::error("down"))));
        assert!(!StoreUnavailable::caused(&anyhow::anyhow!("other")));
    }

    #[test]
    fn both_dialects_name_the_same_conflicts() {
        assert_eq!(conflict_of("tenants_name_unique"), Conflict::TenantName);
        assert_eq!(conflict_of("UNIQUE constraint failed: tenants.name"), Conflict::TenantName);
        assert_eq!(conflict_of("agents_tenant_name_unique"), Conflict::AgentName);
        assert_eq!(conflict_of("UNIQUE constraint failed: agents.tenant_id, agents.name"), Conflict::AgentName);
        assert_eq!(conflict_of("providers_pkey"), Conflict::ProviderName);
        assert_eq!(conflict_of("UNIQUE constraint failed: providers.name"), Conflict::ProviderName);
        assert_eq!(conflict_of("user_agents_pkey"), Conflict::AgentName);
        assert_eq!(conflict_of("UNIQUE constraint failed: user_agents.user_id, user_agents.name"), Conflict::AgentName);
        assert_eq!(conflict_of("users_email_unique"), Conflict::Email);
        assert_eq!(conflict_of("UNIQUE constraint failed: users.email"), Conflict::Email);
        assert_eq!(conflict_of("users_pkey"), Conflict::Other);
        assert_eq!(conflict_of("api_keys_hash_unique"), Conflict::Other);
    }
}
