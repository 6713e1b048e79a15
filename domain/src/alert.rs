//! Alerts the platform raises for operators: a tenant approaching or reaching a quota or its cost limit, a provider
//! whose circuit opened. Each names its condition and period in a key, and at most one alert exists per key: a
//! condition that holds on every request of a month raises one alert that month.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::quota::Period;
use crate::{AlertId, Counters, Quota, QuotaExceeded, TenantId};

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// A severity name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid severity: '{0}'. Valid severities: info, warning, critical")]
pub struct InvalidSeverity(pub String);

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = InvalidSeverity;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Severity::ALL.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| InvalidSeverity(raw.to_owned()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: AlertId,
    pub severity: Severity,
    /// `quota`, `cost`, `circuit`, `deploy`.
    pub kind: String,
    pub message: String,
    pub tenant_id: Option<TenantId>,
    pub created_at: DateTime<Utc>,
    pub resolved: bool,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// An alert to raise, unless one with its key exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub key: String,
    pub severity: Severity,
    pub kind: &'static str,
    pub message: String,
    pub tenant_id: Option<TenantId>,
}

impl NewAlert {
    /// The stored alert, raised at `at`.
    #[must_use]
    pub fn raised(&self, at: DateTime<Utc>) -> Alert {
        Alert {
            id: AlertId::new(),
            severity: self.severity,
            kind: self.kind.to_owned(),
            message: self.message.clone(),
            tenant_id: self.tenant_id,
            created_at: at,
            resolved: false,
            resolved_at: None,
        }
    }

    /// A provider's circuit opened: one alert per provider and UTC day.
    #[must_use]
    pub fn circuit_opened(provider: &str, period: &Period) -> NewAlert {
        NewAlert {
            key: format!("circuit:{provider}:{}", period.day_key()),
            severity: Severity::Critical,
            kind: "circuit",
            message: format!("Provider {provider} circuit opened: requests fail over to other providers"),
            tenant_id: None,
        }
    }
}

/// What a quota alarm measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    MonthlyRequests,
    MonthlyTokens,
    MonthlyCost,
    DailyRequests,
}

impl Measure {
    fn key(self) -> &'static str {
        match self {
            Measure::MonthlyRequests => "requests",
            Measure::MonthlyTokens => "tokens",
            Measure::MonthlyCost => "cost",
            Measure::DailyRequests => "daily_requests",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Measure::MonthlyRequests => "request quota",
            Measure::MonthlyTokens => "token quota",
            Measure::MonthlyCost => "cost limit",
            Measure::DailyRequests => "daily request limit",
        }
    }
}

/// How far along a limit a tenant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 80% or more.
    Approaching,
    /// 90% or more.
    Close,
    /// The limit refused a request, or usage reached it.
    Reached,
}

/// A tenant at some level of one of its limits, in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaAlarm {
    pub tenant_id: TenantId,
    pub measure: Measure,
    pub level: Level,
    /// How much of the limit is used, in percent (rounded down).
    pub percent: u64,
    period: Period,
}

impl QuotaAlarm {
    /// Names the condition: the tenant, the measure, the level and the period (the month, or the day for the
    /// daily limit).
    #[must_use]
    pub fn key(&self) -> String {
        let period = match self.measure {
            Measure::DailyRequests => self.period.day_key(),
            _ => self.period.month_key(),
        };
        let level = match self.level {
            Level::Approaching => "80",
            Level::Close => "90",
            Level::Reached => "100",
        };
        format!("{}:{}:{}:{level}:{period}", self.kind(), self.tenant_id, self.measure.key())
    }

    fn kind(&self) -> &'static str {
        if self.measure == Measure::MonthlyCost { "cost" } else { "quota" }
    }

    /// The alert to raise, for the tenant called `tenant_name`.
    #[must_use]
    pub fn alert(&self, tenant_name: &str) -> NewAlert {
        let noun = self.measure.noun();
        let (severity, message) = match self.level {
            Level::Approaching => {
                (Severity::Warning, format!("Tenant {tenant_name} approaching {noun} ({}%)", self.percent))
            }
            Level::Close => {
                (Severity::Critical, format!("Tenant {tenant_name} approaching {noun} ({}%)", self.percent))
            }
            Level::Reached => (Severity::Critical, format!("Tenant {tenant_name} reached its {noun}")),
        };
        NewAlert { key: self.key(), severity, kind: self.kind(), message, tenant_id: Some(self.tenant_id) }
    }

    /// The alarms `counters` sound under `quota` in `period`: for each monthly limit, the highest level reached.
    #[must_use]
    pub fn of_usage(tenant_id: TenantId, quota: &Quota, counters: &Counters, period: &Period) -> Vec<QuotaAlarm> {
        [
            (Measure::MonthlyRequests, counters.month_requests, quota.monthly_requests),
            (Measure::MonthlyTokens, counters.month_tokens, quota.monthly_tokens),
            (Measure::MonthlyCost, counters.month_cost_nanos, quota.monthly_cost_nanos),
        ]
        .into_iter()
        .filter_map(|(measure, used, limit)| {
            let limit = limit.filter(|limit| *limit > 0)?;
            let percent = u64::try_from(u128::from(used) * 100 / u128::from(limit)).unwrap_or(u64::MAX);
            let level = match percent {
                100.. => Level::Reached,
                90.. => Level::Close,
                80.. => Level::Approaching,
                _ => return None,
            };
            Some(QuotaAlarm { tenant_id, measure, level, percent, period: *period })
        })
        .collect()
    }

    /// The alarm a refusal by `limit` sounds.
    #[must_use]
    pub fn of_refusal(tenant_id: TenantId, limit: QuotaExceeded, period: &Period) -> QuotaAlarm {
        let measure = match limit {
            QuotaExceeded::DailyRequests => Measure::DailyRequests,
            QuotaExceeded::MonthlyRequests => Measure::MonthlyRequests,
            QuotaExceeded::MonthlyTokens => Measure::MonthlyTokens,
        };
        QuotaAlarm { tenant_id, measure, level: Level::Reached, percent: 100, period: *period }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn period() -> Period {
        Period::at(Utc.with_ymd_and_hms(2026, 3, 13, 10, 0, 0).unwrap())
    }

    const QUOTA: Quota = Quota {
        monthly_requests: Some(1_000),
        monthly_tokens: Some(100_000),
        daily_requests: Some(100),
        monthly_cost_nanos: Some(10_000_000_000),
    };

    #[test]
    fn usage_under_80_percent_sounds_nothing() {
        let counters = Counters { month_requests: 799, month_tokens: 79_999, ..Counters::default() };
        assert!(QuotaAlarm::of_usage(TenantId::new(), &QUOTA, &counters, &period()).is_empty());
    }

    #[test]
    fn each_limit_sounds_its_highest_level_with_the_documented_message() {
        let tenant = TenantId::new();
        let counters = Counters {
            month_requests: 800,
            month_tokens: 92_000,
            month_cost_nanos: 10_000_000_000,
            ..Counters::default()
        };
        let alarms = QuotaAlarm::of_usage(tenant, &QUOTA, &counters, &period());
        let alerts: Vec<NewAlert> = alarms.iter().map(|a| a.alert("acme-corp")).collect();
        assert_eq!(alerts[0].message, "Tenant acme-corp approaching request quota (80%)");
        assert_eq!(alerts[0].severity, Severity::Warning);
        assert_eq!(alerts[1].message, "Tenant acme-corp approaching token quota (92%)");
        assert_eq!(alerts[1].severity, Severity::Critical);
        assert_eq!(alerts[2].message, "Tenant acme-corp reached its cost limit");
        assert_eq!(alerts[1].key, format!("quota:{tenant}:tokens:90:2026-03"));
        assert_eq!(alerts[2].kind, "cost");
    }

    #[test]
    fn a_new_month_and_a_new_level_are_new_conditions() {
        let tenant = TenantId::new();
        let at = |counters: Counters, period: Period| QuotaAlarm::of_usage(tenant, &QUOTA, &counters, &period)[0].key();
        let eighty = Counters { month_requests: 850, ..Counters::default() };
        let ninety = Counters { month_requests: 950, ..Counters::default() };
        let april = Period::at(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
        assert_ne!(at(eighty, period()), at(ninety, period()));
        assert_ne!(at(eighty, period()), at(eighty, april));
        assert_eq!(at(eighty, period()), at(Counters { month_requests: 899, ..Counters::default() }, period()));
    }

    #[test]
    fn a_refusal_by_the_daily_limit_is_a_condition_of_the_day() {
        let tenant = TenantId::new();
        let alarm = QuotaAlarm::of_refusal(tenant, QuotaExceeded::DailyRequests, &period());
        assert_eq!(alarm.key(), format!("quota:{tenant}:daily_requests:100:2026-03-13"));
        assert_eq!(alarm.alert("acme-corp").message, "Tenant acme-corp reached its daily request limit");
    }

    #[test]
    fn severities_parse_from_their_names() {
        assert_eq!("critical".parse::<Severity>(), Ok(Severity::Critical));
        assert!("urgent".parse::<Severity>().is_err());
    }
}
