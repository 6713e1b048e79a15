//! The usage observer port: told after each settlement commits, and of each refusal, so alerts and metrics hook
//! in without growing the ledger's SQL or the request's critical path.

use ares_domain::{Counters, Payer, Period, QuotaExceeded, Tier, Turn, UsageEvent};

/// Watches metered requests. Calls must return at once: work that needs I/O goes to the background.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait UsageObserver: Send + Sync + 'static {
    /// `event` was recorded; `counters` are the payer's as of its admission, with its tokens and cost counted.
    fn settled(&self, event: &UsageEvent, tier: Tier, counters: &Counters, period: &Period);

    /// A request of `payer` was refused by `limit`.
    fn refused(&self, payer: Payer, tier: Tier, limit: QuotaExceeded, period: &Period);

    /// `turn` was kept in its conversation, with the request that made it.
    fn kept(&self, _payer: Payer, _turn: &Turn) {}
}
