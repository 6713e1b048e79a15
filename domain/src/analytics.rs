//! Usage analytics: the dimensions usage can be grouped by, the buckets a time series is cut into, the filters,
//! and the figures each group adds up to. Parsing accepts the forms operators know from the peer gateway:
//! `minute|hour|day`, their plurals and short forms (`minutes`, `min`, `m`, ...), and durations (`5m`, `1h`, `30s`,
//! `1d`).

use std::fmt;
use std::str::FromStr;

use crate::TenantId;

/// What usage can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Tenant,
    Agent,
    Model,
    Provider,
    ApiKey,
    Endpoint,
    Status,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Dimension::Tenant,
        Dimension::Agent,
        Dimension::Model,
        Dimension::Provider,
        Dimension::ApiKey,
        Dimension::Endpoint,
        Dimension::Status,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Tenant => "tenant",
            Dimension::Agent => "agent",
            Dimension::Model => "model",
            Dimension::Provider => "provider",
            Dimension::ApiKey => "api_key",
            Dimension::Endpoint => "endpoint",
            Dimension::Status => "status",
        }
    }
}

/// A `group_by` that is not a dimension.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid group_by: '{0}'. Valid values: tenant, agent, model, provider, api_key, endpoint, status")]
pub struct InvalidDimension(pub String);

impl FromStr for Dimension {
    type Err = InvalidDimension;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == raw).ok_or_else(|| InvalidDimension(raw.to_owned()))
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A time series' bucket width, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket(u32);

/// A `bucket` that is not a unit or a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Invalid bucket: '{0}'. Use minute, hour or day (also minutes, min, m, hours, h, days, d) or a duration such as \
     30s, 5m, 1h or 1d, up to 31d"
)]
pub struct InvalidBucket(pub String);

impl Bucket {
    pub const MINUTE: Bucket = Bucket(60);
    pub const HOUR: Bucket = Bucket(3600);
    pub const DAY: Bucket = Bucket(86_400);
    /// The widest bucket.
    const MAX_SECONDS: u32 = 31 * 86_400;

    #[must_use]
    pub fn seconds(self) -> u32 {
        self.0
    }

    /// `1h`, `5m`, `30s`, `1d`: how the bucket is shown.
    #[must_use]
    pub fn label(self) -> String {
        match self.0 {
            s if s % 86_400 == 0 => format!("{}d", s / 86_400),
            s if s % 3600 == 0 => format!("{}h", s / 3600),
            s if s % 60 == 0 => format!("{}m", s / 60),
            s => format!("{s}s"),
        }
    }
}

impl FromStr for Bucket {
    type Err = InvalidBucket;

    /// Empty is an hour, as the peer gateway takes it.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidBucket(raw.to_owned());
        let text = raw.trim().to_ascii_lowercase();
        let unit = |unit: &str| match unit {
            "" | "hour" | "hours" | "hr" | "h" => Some(3600),
            "minute" | "minutes" | "min" | "mins" | "m" => Some(60),
            "day" | "days" | "d" => Some(86_400),
            "second" | "seconds" | "sec" | "s" => Some(1),
            _ => None,
        };
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        let (count, rest) = text.split_at(digits);
        let count: u32 = if count.is_empty() { 1 } else { count.parse().map_err(|_| invalid())? };
        let seconds = unit(rest).and_then(|unit| count.checked_mul(unit)).ok_or_else(invalid)?;
        if seconds == 0 || seconds > Self::MAX_SECONDS || (count > 1 && rest.is_empty()) {
            return Err(invalid());
        }
        Ok(Bucket(seconds))
    }
}

/// Which usage events to count: each given field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageFilter {
    pub tenant_id: Option<TenantId>,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub api_key_id: Option<String>,
    pub endpoint: Option<String>,
    pub status: Option<u16>,
}

/// What a group of usage events adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageFigures {
    pub requests: u64,
    /// Answered with a status of 400 or more.
    pub failures: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_nanos: u64,
    /// The sum of their latencies, for the average.
    pub latency_ms: u64,
}

impl UsageFigures {
    /// The average latency, in milliseconds; 0 without requests.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "an average needs no more than f64 precision")]
    pub fn avg_latency_ms(&self) -> f64 {
        if self.requests == 0 { 0.0 } else { self.latency_ms as f64 / self.requests as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_take_units_plurals_short_forms_and_durations() {
        for (raw, seconds) in [
            ("minute", 60),
            ("minutes", 60),
            ("min", 60),
            ("m", 60),
            ("hour", 3600),
            ("hours", 3600),
            ("h", 3600),
            ("", 3600),
            ("day", 86_400),
            ("d", 86_400),
            ("5m", 300),
            ("1h", 3600),
            ("30s", 30),
            ("1d", 86_400),
            ("HOUR", 3600),
        ] {
            assert_eq!(raw.parse::<Bucket>().map(Bucket::seconds), Ok(seconds), "{raw}");
        }
        for bad in ["week", "0m", "-5m", "5", "32d", "1.5h", "m5", "99999999999m"] {
            assert!(bad.parse::<Bucket>().is_err(), "{bad}");
        }
        assert_eq!(Bucket(300).label(), "5m");
        assert_eq!(Bucket::DAY.label(), "1d");
    }

    #[test]
    fn dimensions_parse_from_their_names_and_name_the_valid_ones() {
        for dimension in Dimension::ALL {
            assert_eq!(dimension.as_str().parse::<Dimension>(), Ok(dimension));
        }
        assert!("customer".parse::<Dimension>().unwrap_err().to_string().contains("tenant, agent, model"));
    }
}
