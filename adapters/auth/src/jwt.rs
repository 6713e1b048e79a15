//! Access tokens: JWT signed with HS256 under `JWT_SECRET`. The claims say what the token is for (`typ:
//! "access"`) and who issued it, so a token of another kind, or of another issuer with the same secret, is refused.

use ares_application::ports::{AccessClaims, TokenIssuer};
use ares_domain::UserId;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Who signs ARES's tokens.
const ISSUER: &str = "ares";
/// What an access token is for.
const ACCESS: &str = "access";

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    typ: String,
    iss: String,
    iat: i64,
    exp: i64,
    /// Unique per token: two tokens issued to one user within a second differ.
    jti: String,
}

/// Signs and checks access tokens with one secret.
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    lifetime: chrono::Duration,
}

impl JwtIssuer {
    /// Tokens signed with `secret`, valid for `lifetime_secs`.
    #[must_use]
    pub fn new(secret: &[u8], lifetime_secs: u32) -> Self {
        JwtIssuer {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            lifetime: chrono::Duration::seconds(i64::from(lifetime_secs)),
        }
    }

    fn validation() -> Validation {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        // Expiry is checked against the caller's clock below (tests move time).
        validation.validate_exp = false;
        validation.leeway = 0;
        validation
    }
}

impl TokenIssuer for JwtIssuer {
    fn issue(&self, user_id: UserId, now: DateTime<Utc>) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            typ: ACCESS.to_owned(),
            iss: ISSUER.to_owned(),
            iat: now.timestamp(),
            exp: (now + self.lifetime).timestamp(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<AccessClaims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &Self::validation()).ok()?.claims;
        if claims.typ != ACCESS || claims.exp <= now.timestamp() {
            return None;
        }
        let user_id = claims.sub.parse().ok()?;
        Some(AccessClaims { user_id, expires_at: DateTime::from_timestamp(claims.exp, 0)? })
    }

    fn lifetime_secs(&self) -> u64 {
        u64::try_from(self.lifetime.num_seconds()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> JwtIssuer {
        JwtIssuer::new(b"a-test-secret-of-at-least-32-characters!", 900)
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let (issuer, user, now) = (issuer(), UserId::new(), Utc::now());
        let token = issuer.issue(user, now).unwrap();
        assert_eq!(issuer.verify(&token, now).map(|c| c.user_id), Some(user));
        assert!(issuer.verify(&token, now + chrono::Duration::seconds(899)).is_some());
        assert!(issuer.verify(&token, now + chrono::Duration::seconds(900)).is_none());
        assert_eq!(issuer.lifetime_secs(), 900);
    }

    #[test]
    fn two_tokens_issued_at_once_differ() {
        let (issuer, user, now) = (issuer(), UserId::new(), Utc::now());
        assert_ne!(issuer.issue(user, now).unwrap(), issuer.issue(user, now).unwrap());
    }

    #[test]
    fn another_secret_or_another_kind_of_token_is_refused() {
        let (user, now) = (UserId::new(), Utc::now());
        let token = JwtIssuer::new(b"another-secret-of-at-least-32-characters", 900).issue(user, now).unwrap();
        assert!(issuer().verify(&token, now).is_none());
        let refresh_like = Claims {
            sub: user.to_string(),
            typ: "refresh".into(),
            iss: ISSUER.into(),
            iat: now.timestamp(),
            exp: now.timestamp() + 900,
            jti: "1".into(),
        };
        let key = EncodingKey::from_secret(b"a-test-secret-of-at-least-32-characters!");
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &refresh_like, &key).unwrap();
        assert!(issuer().verify(&token, now).is_none());
        assert!(issuer().verify("rt_not-a-jwt", now).is_none());
    }
}
