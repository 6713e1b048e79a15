//! The live side of each provider: its client, circuit breaker and rate windows, rebuilt from the stored
//! definitions whenever they change. Breakers and windows outlive a rebuild, so editing a provider does not
//! forget that it was failing or how much of its daily limit is used.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ares_domain::routing::{Breaker, BreakerPolicy, LimitHit, LimitWindows};
use ares_domain::{Provider, ProviderName};
use chrono::{DateTime, Utc};

use crate::ports::{ChatModel, ProviderConnector};

/// Breaker and rate windows of one provider, shared by every request to it.
#[derive(Debug, Default)]
pub(super) struct Health {
    breaker: Mutex<Breaker>,
    windows: Mutex<LimitWindows>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Health {
    pub(super) fn breaker(&self) -> Breaker {
        locked(&self.breaker).clone()
    }

    pub(super) fn windows(&self) -> LimitWindows {
        locked(&self.windows).clone()
    }

    pub(super) fn succeeded(&self) {
        locked(&self.breaker).record_success();
    }

    /// Counts a failure; `true` when it opened the circuit.
    pub(super) fn failed(&self, policy: &BreakerPolicy, now: DateTime<Utc>, error: String) -> bool {
        locked(&self.breaker).record_failure(policy, now, error)
    }

    pub(super) fn record_tokens(&self, now: DateTime<Utc>, tokens: u64) {
        locked(&self.windows).record_tokens(now, tokens);
    }

    fn reset_breaker(&self) {
        *locked(&self.breaker) = Breaker::default();
    }
}

/// Why one call may not go to a provider right now.
#[derive(Debug, Clone)]
pub(super) enum Refusal {
    /// Disabled, no credentials, or the circuit is open: skipped, with the reason.
    Unavailable(String),
    /// One of its own rate limits is used up.
    Limited(LimitHit),
}

/// One provider as the router uses it.
pub(super) struct ProviderRuntime {
    pub(super) definition: Provider,
    client: Result<Arc<dyn ChatModel>, String>,
    pub(super) health: Arc<Health>,
}

impl ProviderRuntime {
    /// Why the provider cannot take calls at all, ignoring the breaker and the limits.
    pub(super) fn unavailable_reason(&self) -> Option<String> {
        if !self.definition.enabled {
            return Some("disabled by an operator".to_owned());
        }
        self.client.as_ref().err().cloned()
    }

    /// The client, whatever the provider's state: for operator actions such as model discovery.
    pub(super) fn client(&self) -> Result<Arc<dyn ChatModel>, String> {
        self.client.clone()
    }

    /// Admits one call at `now`: the provider is usable, its circuit lets the call through, and its limits have
    /// room (the call is counted then).
    pub(super) fn admit(&self, policy: &BreakerPolicy, now: DateTime<Utc>) -> Result<Arc<dyn ChatModel>, Refusal> {
        if let Some(reason) = self.unavailable_reason() {
            return Err(Refusal::Unavailable(reason));
        }
        let client = self.client.clone().map_err(Refusal::Unavailable)?;
        {
            let mut breaker = locked(&self.health.breaker);
            if !breaker.try_acquire(policy, now) {
                return Err(Refusal::Unavailable(circuit_reason(&breaker, now)));
            }
        }
        locked(&self.health.windows).admit(&self.definition.limits, now).map_err(Refusal::Limited)?;
        Ok(client)
    }
}

/// "circuit open until ... after N failures: last error", for operators.
pub(super) fn circuit_reason(breaker: &Breaker, now: DateTime<Utc>) -> String {
    let until = match breaker.state(now) {
        ares_domain::routing::BreakerState::Open { until } => until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        _ => "the probe call ends".to_owned(),
    };
    let last = breaker.last_error().map(|(error, _)| format!(": {error}")).unwrap_or_default();
    format!("circuit open until {until} after {} failures in a row{last}", breaker.consecutive_failures())
}

/// Every provider, in definition order, with its runtime.
#[derive(Default)]
pub(super) struct Registry {
    pub(super) providers: Vec<Provider>,
    pub(super) runtimes: HashMap<ProviderName, Arc<ProviderRuntime>>,
}

impl Registry {
    /// The registry for `providers`, reusing from `previous` each client whose connection settings did not
    /// change, and every provider's health.
    pub(super) fn build(providers: Vec<Provider>, previous: &Registry, connector: &dyn ProviderConnector) -> Registry {
        let runtimes = providers
            .iter()
            .map(|definition| {
                let before = previous.runtimes.get(&definition.name);
                let health = before.map_or_else(Arc::default, |b| b.health.clone());
                let client = match before {
                    Some(before) if same_connection(&before.definition, definition) => before.client.clone(),
                    _ => {
                        if before.is_some() {
                            health.reset_breaker();
                        }
                        let client = connector.connect(definition);
                        if let Err(reason) = &client {
                            tracing::warn!(provider = %definition.name, %reason, "provider unavailable");
                        }
                        client
                    }
                };
                let runtime = ProviderRuntime { definition: definition.clone(), client, health };
                (definition.name.clone(), Arc::new(runtime))
            })
            .collect();
        Registry { providers, runtimes }
    }
}

fn same_connection(a: &Provider, b: &Provider) -> bool {
    a.kind == b.kind && a.base_url == b.base_url && a.credential == b.credential && a.network == b.network
}
