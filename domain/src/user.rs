//! End users: people who sign in with an email and a password (`/api/*`), each metered on their own account under
//! a tier. Passwords are only ever held as a bcrypt hash; refresh tokens (`rt_...`) only as a SHA-256 hash.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::api_key::KeyHash;
use crate::{SignInId, Tier, UserId, plain_text};

/// The longest email address (RFC 5321's path limit).
const MAX_EMAIL_LEN: usize = 254;
/// The fewest characters a password has.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The most bytes a password has.
pub const MAX_PASSWORD_BYTES: usize = 128;
const MAX_NAME_CHARS: usize = 100;

/// Why a registration or a change to a user was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUser {
    #[error("Invalid email address: '{0}'")]
    Email(String),
    #[error("Password must be at least 8 characters")]
    PasswordTooShort,
    #[error("Password must be at most 128 bytes")]
    PasswordTooLong,
    #[error("Invalid name: use 1 to 100 characters, without control characters")]
    Name,
}

/// An email address, trimmed and lowercased: one `@`, a local part, and a domain with a dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Validates `raw` as an email address.
    ///
    /// # Errors
    /// `InvalidUser::Email` when it is not shaped like one.
    pub fn parse(raw: &str) -> Result<Self, InvalidUser> {
        let email = raw.trim().to_lowercase();
        let invalid = || InvalidUser::Email(raw.to_owned());
        if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let labels_ok = domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-'));
        if local.is_empty() || local.len() > 64 || domain.contains('@') || !domain.contains('.') || !labels_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user's display name: 1 to 100 characters, trimmed, without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    /// Validates `raw` as a display name.
    ///
    /// # Errors
    /// `InvalidUser::Name` when it is blank, too long or holds control characters.
    pub fn parse(raw: &str) -> Result<Self, InvalidUser> {
        let name = raw.trim();
        let fits = (1..=MAX_NAME_CHARS).contains(&name.chars().count());
        if !fits || plain_text("name", name).is_err() {
            return Err(InvalidUser::Name);
        }
        Ok(UserName(name.to_owned()))
    }
}

impl AsRef<str> for UserName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Checks a new password's length: at least 8 characters, at most 128 bytes.
///
/// # Errors
/// `PasswordTooShort` or `PasswordTooLong`.
pub fn check_password(password: &str) -> Result<(), InvalidUser> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(InvalidUser::PasswordTooShort)
    } else if password.len() > MAX_PASSWORD_BYTES {
        Err(InvalidUser::PasswordTooLong)
    } else {
        Ok(())
    }
}

/// A signed-up user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: UserName,
    /// The bcrypt hash of the password.
    pub password_hash: String,
    /// The tier the user's requests are metered under.
    pub tier: Tier,
    /// A disabled user cannot sign in, and their access tokens stop working.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an operator may change about a user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserChange {
    pub tier: Option<Tier>,
    pub disabled: Option<bool>,
}

/// Every refresh token starts with this.
pub const REFRESH_PREFIX: &str = "rt_";

/// A refresh token in clear: handed to the user once, stored only as its hash. Its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    /// A token from its random part.
    #[must_use]
    pub fn from_random(random: &str) -> Self {
        RefreshToken(format!("{REFRESH_PREFIX}{random}"))
    }

    /// The token in clear, to hand to its owner.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash under which a presented token is looked up.
    #[must_use]
    pub fn hash_of(raw: &str) -> KeyHash {
        KeyHash::of(raw)
    }

    /// This token's hash.
    #[must_use]
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(..)")
    }
}

/// A stored refresh token: whose, which family (every token rotated from one sign-in), until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub hash: KeyHash,
    pub user_id: UserId,
    pub family: SignInId,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(Email::parse(" Dev@Example.COM ").map(|e| e.to_string()), Ok("dev@example.com".into()));
        for bad in ["", "no-at", "a@b", "@example.com", "a@@example.com", "a b@example.com", "a@.com", "a@x..com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn passwords_are_8_characters_to_128_bytes() {
        assert_eq!(check_password("1234567"), Err(InvalidUser::PasswordTooShort));
        assert_eq!(check_password("12345678"), Ok(()));
        assert_eq!(check_password(&"x".repeat(128)), Ok(()));
        assert_eq!(check_password(&"x".repeat(129)), Err(InvalidUser::PasswordTooLong));
        assert_eq!(check_password(&"é".repeat(65)), Err(InvalidUser::PasswordTooLong));
    }

    #[test]
    fn names_are_plain_text() {
        assert!(UserName::parse("Jane Developer").is_ok());
        assert_eq!(UserName::parse("  "), Err(InvalidUser::Name));
        assert_eq!(UserName::parse("a\u{0}b"), Err(InvalidUser::Name));
        assert!(UserName::parse(&"n".repeat(101)).is_err());
    }

    #[test]
    fn refresh_tokens_never_print_and_hash_like_their_text() {
        let token = RefreshToken::from_random("abc");
        assert_eq!(token.expose(), "rt_abc");
        assert_eq!(format!("{token:?}"), "RefreshToken(..)");
        assert_eq!(token.hash(), RefreshToken::hash_of("rt_abc"));
    }
}
