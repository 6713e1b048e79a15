//! Tenant quotas over time: the UTC day and calendar month a request falls in, which limit refuses a request, what
//! the rate-limit headers say, and how many tokens a request reserves before its real usage is known.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::Quota;

/// The UTC day and calendar month of one moment: the windows quotas are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    day: NaiveDate,
    month_start: NaiveDate,
}

impl Period {
    /// The period `now` falls in.
    #[must_use]
    pub fn at(now: DateTime<Utc>) -> Period {
        let day = now.date_naive();
        Period { day, month_start: day.with_day(1).unwrap_or(day) }
    }

    /// `2026-03-13`: how the day is keyed in storage and shown in usage reports.
    #[must_use]
    pub fn day_key(&self) -> String {
        self.day.format("%Y-%m-%d").to_string()
    }

    /// `2026-03`: how the month is keyed in storage.
    #[must_use]
    pub fn month_key(&self) -> String {
        self.month_start.format("%Y-%m").to_string()
    }

    #[must_use]
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// The first moment of the month.
    #[must_use]
    pub fn month_start(&self) -> DateTime<Utc> {
        midnight(self.month_start)
    }

    /// The first moment of the next month: when monthly quotas reset.
    #[must_use]
    pub fn next_month(&self) -> DateTime<Utc> {
        midnight(self.month_start.checked_add_months(chrono::Months::new(1)).unwrap_or(self.month_start))
    }

    /// The last second of the month (`2026-03-31T23:59:59Z`), as usage reports show the period's end.
    #[must_use]
    pub fn month_end(&self) -> DateTime<Utc> {
        self.next_month() - Duration::seconds(1)
    }

    /// The first moment of the next UTC day: when the daily limit resets.
    #[must_use]
    pub fn next_day(&self) -> DateTime<Utc> {
        midnight(self.day.succ_opt().unwrap_or(self.day))
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// A tenant's counters in its current day and month. After an admission they include the admitted request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub day_requests: u64,
    pub month_requests: u64,
    /// Tokens of finished requests this month.
    pub month_tokens: u64,
    /// Tokens reserved by requests still running.
    pub month_reserved: u64,
    /// What finished requests cost this month, in billionths of a US dollar.
    pub month_cost_nanos: u64,
}

/// The tenant limit that refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaExceeded {
    DailyRequests,
    MonthlyRequests,
    MonthlyTokens,
}

impl fmt::Display for QuotaExceeded {
    /// The documented messages (Rate Limits and Quotas, Exceeding Limits).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuotaExceeded::DailyRequests => "Daily request limit reached for your tier",
            QuotaExceeded::MonthlyRequests => "Monthly request quota exceeded",
            QuotaExceeded::MonthlyTokens => "Monthly token quota exceeded",
        })
    }
}

impl QuotaExceeded {
    /// When the refusing limit resets.
    #[must_use]
    pub fn resets_at(self, period: &Period) -> DateTime<Utc> {
        match self {
            QuotaExceeded::DailyRequests => period.next_day(),
            QuotaExceeded::MonthlyRequests | QuotaExceeded::MonthlyTokens => period.next_month(),
        }
    }
}

/// Which limit refuses one more request reserving `reserve` tokens, given the counters before it; `None` admits.
/// The same rule the ledger applies atomically in storage, used to name the limit after a refusal.
#[must_use]
pub fn refusal(quota: &Quota, before: &Counters, reserve: u64) -> Option<QuotaExceeded> {
    let over = |used: u64, limit: Option<u64>| limit.is_some_and(|limit| used > limit);
    if over(before.day_requests + 1, quota.daily_requests) {
        Some(QuotaExceeded::DailyRequests)
    } else if over(before.month_requests + 1, quota.monthly_requests) {
        Some(QuotaExceeded::MonthlyRequests)
    } else if over(before.month_tokens + before.month_reserved + reserve, quota.monthly_tokens) {
        Some(QuotaExceeded::MonthlyTokens)
    } else {
        None
    }
}

/// What the `X-RateLimit-*` and `X-Quota-Tokens-Remaining` headers say. `None` fields are unlimited and not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaHeaders {
    /// The request limit closest to running out (daily or monthly), with what is left of it and when it resets.
    pub requests: Option<(u64, u64, DateTime<Utc>)>,
    pub tokens_remaining: Option<u64>,
}

/// The header values for `counters` under `quota`.
#[must_use]
pub fn headers(quota: &Quota, counters: &Counters, period: &Period) -> QuotaHeaders {
    let daily = quota.daily_requests.map(|l| (l, l.saturating_sub(counters.day_requests), period.next_day()));
    let monthly = quota.monthly_requests.map(|l| (l, l.saturating_sub(counters.month_requests), period.next_month()));
    let requests = match (daily, monthly) {
        (Some(d), Some(m)) => Some(if m.1 < d.1 { m } else { d }),
        (one, other) => one.or(other),
    };
    let used = counters.month_tokens + counters.month_reserved;
    QuotaHeaders { requests, tokens_remaining: quota.monthly_tokens.map(|limit| limit.saturating_sub(used)) }
}

/// Tokens to reserve for a request whose prompt has `prompt_chars` characters and that may write `max_tokens`:
/// the prompt estimated at four characters a token, plus the completion at its maximum.
#[must_use]
pub fn reservation(prompt_chars: usize, max_tokens: u32) -> u64 {
    u64::try_from(prompt_chars.div_ceil(4)).unwrap_or(u64::MAX).saturating_add(u64::from(max_tokens))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    const PRO: Quota = Quota {
        monthly_requests: Some(100_000),
        monthly_tokens: Some(10_000_000),
        daily_requests: Some(10_000),
        monthly_cost_nanos: None,
    };

    #[test]
    fn periods_are_utc_days_and_calendar_months() {
        let period = Period::at(at(2026, 3, 13, 14));
        assert_eq!((period.day_key(), period.month_key()), ("2026-03-13".to_owned(), "2026-03".to_owned()));
        assert_eq!(period.month_start(), at(2026, 3, 1, 0));
        assert_eq!(period.month_end(), Utc.with_ymd_and_hms(2026, 3, 31, 23, 59, 59).unwrap());
        assert_eq!(period.next_day(), at(2026, 3, 14, 0));
        let december = Period::at(at(2026, 12, 31, 23));
        assert_eq!((december.next_month(), december.next_day()), (at(2027, 1, 1, 0), at(2027, 1, 1, 0)));
        assert_eq!(Period::at(at(2028, 2, 29, 1)).month_end().day(), 29);
    }

    #[test]
    fn the_first_limit_a_request_would_break_is_named_with_the_documented_message() {
        let at_daily = Counters { day_requests: 10_000, ..Counters::default() };
        assert_eq!(refusal(&PRO, &at_daily, 0), Some(QuotaExceeded::DailyRequests));
        assert_eq!(refusal(&PRO, &at_daily, 0).unwrap().to_string(), "Daily request limit reached for your tier");
        let at_monthly = Counters { month_requests: 100_000, ..Counters::default() };
        assert_eq!(refusal(&PRO, &at_monthly, 0).unwrap().to_string(), "Monthly request quota exceeded");
        let tokens = Counters { month_tokens: 9_999_000, month_reserved: 500, ..Counters::default() };
        assert_eq!(refusal(&PRO, &tokens, 500), None, "exactly at the limit still fits");
        assert_eq!(refusal(&PRO, &tokens, 501).unwrap().to_string(), "Monthly token quota exceeded");
        assert_eq!(
            refusal(&Quota::UNLIMITED, &Counters { day_requests: u64::MAX - 1, ..Counters::default() }, 9),
            None
        );
    }

    #[test]
    fn headers_show_the_request_limit_closest_to_running_out() {
        let period = Period::at(at(2026, 3, 13, 14));
        let early = Counters {
            day_requests: 2_518,
            month_requests: 40_000,
            month_tokens: 1_758_963,
            month_reserved: 0,
            month_cost_nanos: 0,
        };
        let h = headers(&PRO, &early, &period);
        assert_eq!(h.requests, Some((10_000, 7_482, at(2026, 3, 14, 0))));
        assert_eq!(h.tokens_remaining, Some(8_241_037));
        let late = Counters { day_requests: 10, month_requests: 99_995, ..Counters::default() };
        assert_eq!(headers(&PRO, &late, &period).requests, Some((100_000, 5, at(2026, 4, 1, 0))));
        let unlimited = headers(&Quota::UNLIMITED, &early, &period);
        assert_eq!((unlimited.requests, unlimited.tokens_remaining), (None, None));
    }

    #[test]
    fn a_reservation_is_the_estimated_prompt_plus_the_maximum_completion() {
        assert_eq!(reservation(9, 100), 103);
        assert_eq!(reservation(0, 0), 0);
    }
}
