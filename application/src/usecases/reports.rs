//! Operators' reports: a tenant's usage this month and day by day, an agent's runs and their figures, and the
//! platform's totals for today. Read-only; every figure comes from the ledger and the run store the metered path
//! writes.

use std::sync::Arc;

use ares_domain::{AgentName, Period, Run, Tenant, TenantId, TierQuotas};
use chrono::{Days, NaiveDate};

use super::metering::UsageReport;
use crate::ports::{
    AgentRepository, AlertRepository, Clock, DailyUsage, RepoError, RunRepository, RunStats, TenantRepository,
    UsageLedger,
};

/// What a report can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("Tenant not found")]
    TenantNotFound,
    #[error("Agent not found: {0}")]
    AgentNotFound(AgentName),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for ReportError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

/// A tenant's usage in the current calendar month with its tier's quota: the report `/v1/usage` shows the tenant,
/// for the tenant named.
#[derive(Debug, Clone)]
pub struct TenantUsage {
    pub tenant: Tenant,
    pub report: UsageReport,
}

/// The platform's totals: what exists, and what every tenant used today (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformStats {
    pub tenants: u64,
    pub agents: u64,
    pub today: DailyUsage,
    pub active_alerts: u64,
}

/// The most days a daily report covers.
pub const MAX_REPORT_DAYS: u32 = 366;

/// The reports.
pub struct Reports {
    tenants: Arc<dyn TenantRepository>,
    agents: Arc<dyn AgentRepository>,
    runs: Arc<dyn RunRepository>,
    ledger: Arc<dyn UsageLedger>,
    alerts: Arc<dyn AlertRepository>,
    quotas: TierQuotas,
    clock: Arc<dyn Clock>,
}

/// The stores the reports read.
pub struct ReportSources {
    pub tenants: Arc<dyn TenantRepository>,
    pub agents: Arc<dyn AgentRepository>,
    pub runs: Arc<dyn RunRepository>,
    pub ledger: Arc<dyn UsageLedger>,
    pub alerts: Arc<dyn AlertRepository>,
}

impl Reports {
    #[must_use]
    pub fn new(sources: ReportSources, quotas: TierQuotas, clock: Arc<dyn Clock>) -> Self {
        let ReportSources { tenants, agents, runs, ledger, alerts } = sources;
        Reports { tenants, agents, runs, ledger, alerts, quotas, clock }
    }

    async fn tenant(&self, id: TenantId) -> Result<Tenant, ReportError> {
        self.tenants.find(id).await?.ok_or(ReportError::TenantNotFound)
    }

    /// The tenant's usage this calendar month.
    ///
    /// # Errors
    /// `TenantNotFound`.
    pub async fn usage(&self, id: TenantId) -> Result<TenantUsage, ReportError> {
        let tenant = self.tenant(id).await?;
        let period = Period::at(self.clock.now());
        let usage = self.ledger.month(id.into(), &period).await?;
        Ok(TenantUsage { report: UsageReport { period, quota: self.quotas.of(tenant.tier), usage }, tenant })
    }

    /// The tenant's last `days` days (today included), every one of them, newest first.
    ///
    /// # Errors
    /// `TenantNotFound`.
    pub async fn daily(&self, id: TenantId, days: u32) -> Result<Vec<DailyUsage>, ReportError> {
        self.tenant(id).await?;
        let last = self.clock.now().date_naive();
        let first = last.checked_sub_days(Days::new(u64::from(days.saturating_sub(1)))).unwrap_or(last);
        let used = self.ledger.days(id.into(), first, last).await?;
        Ok(every_day(first, last, used))
    }

    /// The latest `limit` runs of the tenant's agent, newest first.
    ///
    /// # Errors
    /// `TenantNotFound`, `AgentNotFound` when the tenant has no such agent and it never ran.
    pub async fn runs(&self, id: TenantId, agent: AgentName, limit: u64) -> Result<Vec<Run>, ReportError> {
        self.tenant(id).await?;
        let (runs, total) = self.runs.page(id, &agent, 0, limit).await?;
        if total == 0 && self.agents.find(id, &agent).await?.is_none() {
            return Err(ReportError::AgentNotFound(agent));
        }
        Ok(runs)
    }

    /// The figures of every run of the tenant's agent.
    ///
    /// # Errors
    /// As `runs`.
    pub async fn agent_stats(&self, id: TenantId, agent: &AgentName) -> Result<RunStats, ReportError> {
        self.tenant(id).await?;
        let stats = self.runs.stats(id, agent).await?;
        if stats.total == 0 && self.agents.find(id, agent).await?.is_none() {
            return Err(ReportError::AgentNotFound(agent.clone()));
        }
        Ok(stats)
    }

    /// The platform's totals for the current UTC day.
    ///
    /// # Errors
    /// `Unexpected` when the store fails.
    pub async fn platform(&self) -> Result<PlatformStats, ReportError> {
        let today = self.clock.now().date_naive();
        let tenants = self.tenants.count().await?;
        let agents = self.agents.count_all().await?;
        let today = self.ledger.platform_day(today).await?;
        let active_alerts = self.alerts.count_open().await?;
        Ok(PlatformStats { tenants, agents, today, active_alerts })
    }
}

/// Every day from `last` back to `first`, with the usage of the days in `used` and zeros for the others.
fn every_day(first: NaiveDate, last: NaiveDate, used: Vec<DailyUsage>) -> Vec<DailyUsage> {
    let mut used = used.into_iter().peekable();
    last.iter_days()
        .rev()
        .take_while(|day| *day >= first)
        .map(|day| {
            while used.next_if(|u| u.date > day).is_some() {}
            used.next_if(|u| u.date == day).unwrap_or_else(|| DailyUsage::zero(day))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use ares_domain::{TenantName, Tier};
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ports::{
        MockAgentRepository, MockAlertRepository, MockClock, MockRunRepository, MockTenantRepository, MockUsageLedger,
    };

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn used(d: u32, tokens: u64) -> DailyUsage {
        DailyUsage { tokens, runs: 1, api_calls: 1, ..DailyUsage::zero(date(d)) }
    }

    struct Stores {
        tenants: MockTenantRepository,
        agents: MockAgentRepository,
        runs: MockRunRepository,
        ledger: MockUsageLedger,
    }

    impl Stores {
        fn new() -> Self {
            let mut tenants = MockTenantRepository::new();
            tenants.expect_find().returning(|id| {
                let mut tenant = Tenant::new(TenantName::parse("acme-corp").unwrap(), Tier::Pro, None, Utc::now());
                tenant.id = id;
                Ok(Some(tenant))
            });
            Stores {
                tenants,
                agents: MockAgentRepository::new(),
                runs: MockRunRepository::new(),
                ledger: MockUsageLedger::new(),
            }
        }

        fn reports(self) -> Reports {
            let mut clock = MockClock::new();
            clock.expect_now().return_const(Utc.with_ymd_and_hms(2026, 3, 13, 18, 0, 0).unwrap());
            let sources = ReportSources {
                tenants: Arc::new(self.tenants),
                agents: Arc::new(self.agents),
                runs: Arc::new(self.runs),
                ledger: Arc::new(self.ledger),
                alerts: Arc::new(MockAlertRepository::new()),
            };
            Reports::new(sources, TierQuotas::default(), Arc::new(clock))
        }
    }

    #[test]
    fn every_day_of_the_window_is_listed_newest_first_with_zeros_between() {
        let days = every_day(date(9), date(13), vec![used(13, 5), used(11, 7)]);
        let listed: Vec<(u32, u64)> = days.iter().map(|d| (chrono::Datelike::day(&d.date), d.tokens)).collect();
        assert_eq!(listed, [(13, 5), (12, 0), (11, 7), (10, 0), (9, 0)]);
    }

    #[tokio::test]
    async fn the_daily_report_asks_the_ledger_for_the_window_ending_today() {
        let mut stores = Stores::new();
        stores
            .ledger
            .expect_days()
            .withf(|_, first, last| *first == date(7) && *last == date(13))
            .times(1)
            .returning(|_, _, _| Ok(vec![used(12, 3)]));
        let days = stores.reports().daily(TenantId::new(), 7).await.unwrap();
        assert_eq!(days.len(), 7);
        assert_eq!((days[0].date, days[1].tokens), (date(13), 3));
    }

    #[tokio::test]
    async fn stats_of_an_agent_that_never_existed_are_not_found() {
        let mut stores = Stores::new();
        stores.runs.expect_stats().returning(|_, _| Ok(RunStats::default()));
        stores.agents.expect_find().returning(|_, _| Ok(None));
        let err = stores.reports().agent_stats(TenantId::new(), &AgentName::parse("ghost").unwrap()).await;
        assert!(matches!(err, Err(ReportError::AgentNotFound(_))), "{err:?}");
    }
}
