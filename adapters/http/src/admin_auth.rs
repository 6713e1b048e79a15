//! The `X-Admin-Secret` guard in front of `/api/admin/*`. The secret is compared in constant time, through
//! fixed-length digests so not even its length leaks.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ApiError;

/// The header operators authenticate with.
pub const HEADER: &str = "X-Admin-Secret";

/// The admin secret, kept only as a digest. Its `Debug` prints nothing of it.
pub struct AdminSecret([u8; 32]);

impl AdminSecret {
    /// Keeps the digest of `secret`.
    #[must_use]
    pub fn new(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// Whether `candidate` is the secret, in time independent of where they differ.
    #[must_use]
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate).into();
        self.0.ct_eq(&digest).into()
    }
}

impl std::fmt::Debug for AdminSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminSecret(..)")
    }
}

/// Middleware: lets the request through only with the right admin secret.
pub async fn require_admin(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let Some(given) = request.headers().get(HEADER) else {
        return Err(ApiError::Unauthorized("Missing X-Admin-Secret header").into());
    };
    let secret = request.app_data::<web::Data<AdminSecret>>().ok_or_else(|| ApiError::internal("no admin secret"))?;
    if !secret.matches(given.as_bytes()) {
        tracing::warn!("admin request with an invalid secret");
        return Err(ApiError::Unauthorized("Invalid admin secret").into());
    }
    next.call(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        let secret = AdminSecret::new("s3cret");
        assert!(secret.matches(b"s3cret"));
        assert!(!secret.matches(b"s3cre"));
        assert!(!secret.matches(b"s3cret "));
        assert!(!secret.matches(b""));
        assert_eq!(format!("{secret:?}"), "AdminSecret(..)");
    }
}
