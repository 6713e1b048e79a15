//! Per-IP rate limiting in front of every route, `/health` included: a generic cell rate algorithm per client IP
//! (the `governor` crate). A client past its rate gets 429 `{"error": "Rate limit exceeded", "code":
//! "RATE_LIMIT_EXCEEDED", "retry_after": N}` before any other work is done.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::ApiError;

/// The per-IP limiter.
pub struct IpLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
}

impl IpLimiter {
    /// Admits `per_second` requests a second per IP on average, in bursts of up to `burst`. Behind a reverse proxy,
    /// `trust_forwarded_for` takes the client IP from the first `X-Forwarded-For` address. `None` when
    /// `per_second` is 0 (no limit).
    #[must_use]
    pub fn new(per_second: u32, burst: u32, trust_forwarded_for: bool) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        let limiter = RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        Some(IpLimiter { limiter, trust_forwarded_for })
    }

    fn client_ip(&self, request: &ServiceRequest) -> Option<IpAddr> {
        client_ip(request.headers(), request.peer_addr(), self.trust_forwarded_for)
    }

    /// Forgets IPs whose budget is full again, so the table does not grow without bound.
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Middleware: refuses a request whose IP is past its rate.
pub async fn limit_by_ip(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if let Some(limiter) = request.app_data::<web::Data<IpLimiter>>()
        && let Some(ip) = limiter.client_ip(&request)
        && let Err(not_until) = limiter.limiter.check_key(&ip)
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::debug!(client.ip = %ip, "per-IP rate limit reached");
        return Err(ApiError::TooManyRequests {
            message: "Rate limit exceeded".into(),
            retry_after: Some(retry_after.max(1)),
        }
        .into());
    }
    next.call(request).await
}

/// The client's address: the first `X-Forwarded-For` address when `trust_forwarded_for` (behind a proxy that sets
/// it), else the peer's.
pub(crate) fn client_ip(
    headers: &actix_web::http::header::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(ip) = forwarded.split(',').next().and_then(|first| first.trim().parse().ok())
    {
        return Some(ip);
    }
    peer.map(|address| address.ip())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_burst_is_admitted_then_the_ip_waits_and_others_do_not() {
        let limiter = IpLimiter::new(1, 3, false).unwrap();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limiter.limiter.check_key(&a).is_ok());
        }
        assert!(limiter.limiter.check_key(&a).is_err());
        assert!(limiter.limiter.check_key(&b).is_ok());
        assert!(IpLimiter::new(0, 10, false).is_none(), "0 means no limit");
    }

    #[test]
    fn the_forwarded_address_is_used_only_when_trusted() {
        let request = TestRequest::default()
            .peer_addr("127.0.0.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.7, 10.0.0.1"))
            .to_srv_request();
        let trusted = IpLimiter::new(1, 1, true).unwrap();
        assert_eq!(trusted.client_ip(&request), Some("203.0.113.7".parse().unwrap()));
        let direct = IpLimiter::new(1, 1, false).unwrap();
        assert_eq!(direct.client_ip(&request), Some("127.0.0.1".parse().unwrap()));
    }
}
