//! `/api/admin/metrics/timeseries` and `/api/admin/metrics/breakdown`: usage analytics over the usage events, as
//! JSON or, for spreadsheets, CSV (`Accept: text/csv` or `format=csv`).

pub(crate) mod breakdown;
pub(crate) mod timeseries;

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT;
use ares_application::ports::UsageRange;
use ares_application::usecases::{Analytics, AnalyticsError};
use ares_domain::UsageFilter;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;

/// The range and the filters both reports take.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RangeQuery {
    /// The start (included): RFC 3339 (`2026-03-01T00:00:00Z`) or a date (`2026-03-01`, midnight UTC). Default: a
    /// day before `to`.
    from: Option<String>,
    /// The end (excluded), as `from`. Default: now.
    to: Option<String>,
    /// Only this tenant's usage.
    tenant_id: Option<String>,
    /// Only this agent's.
    agent: Option<String>,
    /// Only this model's (its name).
    model: Option<String>,
    /// Only this provider's.
    provider: Option<String>,
    /// Only requests made with this API key (its id).
    api_key_id: Option<String>,
    /// Only this endpoint's (`POST /v1/chat`).
    endpoint: Option<String>,
    /// Only requests answered with this status.
    #[param(minimum = 100, maximum = 599)]
    status: Option<u16>,
    /// `csv` for CSV (also `Accept: text/csv`); JSON otherwise.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
}

impl RangeQuery {
    /// The range, checked.
    fn range(&self, analytics: &Analytics) -> Result<UsageRange, ApiError> {
        let tenant_id = self.tenant_id.as_deref().map(str::parse).transpose();
        let tenant_id = tenant_id.map_err(|_| ApiError::BadRequest("tenant_id is not an id".into()))?;
        if self.status.is_some_and(|status| !(100..=599).contains(&status)) {
            return Err(ApiError::BadRequest("status must be between 100 and 599".into()));
        }
        let filter = UsageFilter {
            tenant_id,
            agent: self.agent.clone(),
            model: self.model.clone(),
            provider: self.provider.clone(),
            api_key_id: self.api_key_id.clone(),
            endpoint: self.endpoint.clone(),
            status: self.status,
        };
        let (from, to) = (time("from", self.from.as_deref())?, time("to", self.to.as_deref())?);
        Ok(analytics.range(from, to, filter)?)
    }

    /// Whether the answer is CSV: `format=csv`, or `Accept: text/csv` without a `format`.
    fn csv(&self, request: &HttpRequest) -> Result<bool, ApiError> {
        match self.format.as_deref() {
            Some("csv") => Ok(true),
            Some("json") => Ok(false),
            Some(other) => Err(ApiError::BadRequest(format!("Invalid format: '{other}'. Use json or csv"))),
            None => Ok(request
                .headers()
                .get(ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/csv"))),
        }
    }
}

/// A query value that does not parse, as a 400 with the parser's message.
fn bad_request(err: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(err.to_string())
}

/// A time from the query: RFC 3339, or a date at midnight UTC.
fn time(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(|day| Some(day.and_time(chrono::NaiveTime::MIN).and_utc()))
        .map_err(|_| ApiError::BadRequest(format!("{name} must be an RFC 3339 time or a date (YYYY-MM-DD)")))
}

impl From<AnalyticsError> for ApiError {
    fn from(err: AnalyticsError) -> Self {
        match err {
            AnalyticsError::Invalid(message) => ApiError::BadRequest(message),
            AnalyticsError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

/// CSV text: a header and rows, each field quoted when it must be. A field a spreadsheet would run as a formula
/// (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return: a model name a client made up, say) is written
/// with a leading `'`, so it shows as text.
pub(crate) struct Csv {
    text: String,
}

impl Csv {
    pub(crate) fn new(header: &[&str]) -> Self {
        let mut csv = Csv { text: String::new() };
        csv.row(header.iter().map(|h| (*h).to_owned()));
        csv
    }

    pub(crate) fn row(&mut self, fields: impl IntoIterator<Item = String>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{field}") } else { field };
            if field.contains([',', '"', '\n', '\r']) {
                self.text.push('"');
                self.text.push_str(&field.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(&field);
            }
        }
        self.text.push_str("\r\n");
    }

    /// The answer: `text/csv`, as an attachment named `filename`.
    pub(crate) fn response(self, filename: &str) -> actix_web::HttpResponse {
        actix_web::HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
            .body(self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_separators_or_quotes_are_quoted() {
        let mut csv = Csv::new(&["group", "requests"]);
        csv.row(["POST /v1/chat, \"fast\"".to_owned(), "3".to_owned()]);
        assert_eq!(csv.text, "group,requests\r\n\"POST /v1/chat, \"\"fast\"\"\",3\r\n");
    }

    #[test]
    fn a_field_a_spreadsheet_would_run_is_written_as_text() {
        let mut csv = Csv::new(&["model"]);
        csv.row(["=HYPERLINK(\"http://x\")".to_owned()]);
        csv.row(["@SUM(A1)".to_owned()]);
        assert_eq!(csv.text, "model\r\n\"'=HYPERLINK(\"\"http://x\"\")\"\r\n'@SUM(A1)\r\n");
    }

    #[test]
    fn times_are_rfc_3339_or_dates() {
        let at = time("from", Some("2026-03-01")).unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T00:00:00+00:00");
        assert!(time("from", Some("2026-03-01T10:00:00+02:00")).unwrap().is_some());
        assert!(time("from", Some("yesterday")).is_err());
    }
}
