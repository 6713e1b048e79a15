//! Health: `/health` for people and monitors (every dependency's state), `/health/live` and `/health/ready` for
//! an orchestrator's liveness and readiness probes.

pub(crate) mod get;
pub(crate) mod live;
pub(crate) mod ready;

use crate::state::Health;

/// Whether the database answers; logs why when it does not.
pub(crate) async fn database_up(health: &Health) -> bool {
    match health.store.ping().await {
        Ok(()) => true,
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "health check: the database does not answer");
            false
        }
    }
}
