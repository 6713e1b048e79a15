//! `[alerts]` with its `[[alerts.webhooks]]`, and `[metrics]`: where new alerts are sent, and what the Prometheus
//! exposition labels and where it listens.

use ares_domain::Severity;
use ares_notify::{Delivery, Webhook};
use serde::Deserialize;

use super::tools::Seconds;
use super::validate::StartupError;

/// `[alerts]`: webhooks that receive each new alert, and how deliveries are tried.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    pub webhooks: Vec<WebhookSettings>,
    /// Tries per alert and webhook, the first included.
    pub delivery_attempts: u32,
    /// The wait after a first failed try; it doubles after each further one.
    pub retry_base_delay: Seconds,
    /// How long one try may take.
    pub timeout: Seconds,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            webhooks: Vec::new(),
            delivery_attempts: 5,
            retry_base_delay: Seconds::Number(0.5),
            timeout: Seconds::Number(10.0),
        }
    }
}

/// `[[alerts.webhooks]]`: a URL that receives new alerts as JSON, of the severities listed (all when not). The URL
/// may hold the webhook's secret: it is never printed.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    pub url: String,
    pub severities: Option<Vec<String>>,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings").field("url", &"<redacted>").field("severities", &self.severities).finish()
    }
}

impl AlertSettings {
    /// The webhooks and their delivery, checked.
    ///
    /// # Errors
    /// A URL that is not http(s), an unknown severity, or a setting out of range, named.
    pub fn checked(&self) -> Result<(Vec<Webhook>, Delivery), StartupError> {
        if !(1..=20).contains(&self.delivery_attempts) {
            return Err(StartupError::new("alerts.delivery_attempts must be between 1 and 20"));
        }
        let delivery = Delivery {
            attempts: self.delivery_attempts,
            backoff: self.retry_base_delay.duration("alerts.retry_base_delay")?,
            timeout: self.timeout.duration("alerts.timeout")?,
        };
        let hooks = self.webhooks.iter().enumerate().map(|(i, hook)| hook.checked(i)).collect::<Result<_, _>>()?;
        Ok((hooks, delivery))
    }
}

impl WebhookSettings {
    /// The `index`-th webhook, checked (named by its place: its URL may hold a secret).
    fn checked(&self, index: usize) -> Result<Webhook, StartupError> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(StartupError::new(format!("alerts.webhooks[{index}].url is not an http(s) URL")));
        }
        let severities = match &self.severities {
            None => Severity::ALL.to_vec(),
            Some(names) => names
                .iter()
                .map(|name| name.parse().map_err(|err| StartupError::new(format!("alerts.webhooks[{index}]: {err}"))))
                .collect::<Result<_, _>>()?,
        };
        Ok(Webhook { url: self.url.clone(), severities })
    }
}

/// `[metrics]`: the Prometheus exposition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Label request and token series by tenant too (one series per tenant: off by default).
    pub tenant_labels: bool,
    /// An address (`127.0.0.1:9464`) where `/metrics` is served without the admin secret, for a scraper on a
    /// private network; off when not set. `/api/admin/metrics/prometheus` is always served, behind the secret.
    pub listen: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_take_every_severity_unless_told_and_refuse_what_they_cannot_send_to() {
        let settings = AlertSettings {
            webhooks: vec![
                WebhookSettings { url: "https://hooks.example.com/a".into(), severities: None },
                WebhookSettings { url: "http://10.0.0.2/b".into(), severities: Some(vec!["critical".into()]) },
            ],
            ..AlertSettings::default()
        };
        let (hooks, delivery) = settings.checked().unwrap();
        assert_eq!(hooks[0].severities, Severity::ALL);
        assert_eq!(hooks[1].severities, [Severity::Critical]);
        assert_eq!(delivery.attempts, 5);
        let bad = WebhookSettings { url: "ftp://hooks.example.com/T0/B0/s3cr3t".into(), severities: None };
        let err = AlertSettings { webhooks: vec![bad.clone()], ..AlertSettings::default() }.checked().unwrap_err();
        assert_eq!(err.to_string(), "alerts.webhooks[0].url is not an http(s) URL");
        assert!(!format!("{bad:?}").contains("s3cr3t"), "a webhook's URL is never printed");
        let unknown = WebhookSettings { url: "https://x".into(), severities: Some(vec!["urgent".into()]) };
        let err = AlertSettings { webhooks: vec![unknown], ..AlertSettings::default() }.checked().unwrap_err();
        assert!(err.to_string().contains("Invalid severity: 'urgent'"), "{err}");
    }
}
