//! Plain identifier newtypes: `Copy`, no logic beyond parsing and display.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A string that is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid id: '{0}'")]
pub struct InvalidId(pub String);

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random identifier.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// The underlying UUID.
            #[must_use]
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(raw).map(Self).map_err(|_| InvalidId(raw.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a tenant (a client company).
    TenantId
);
id_type!(
    /// Identifies an agent owned by a tenant.
    AgentId
);
id_type!(
    /// Identifies an API key.
    ApiKeyId
);
id_type!(
    /// Identifies one agent run.
    RunId
);
id_type!(
    /// Identifies one usage event.
    UsageEventId
);
id_type!(
    /// Identifies one alert.
    AlertId
);
id_type!(
    /// Identifies one audit log entry.
    AuditEntryId
);

id_type!(
    /// Identifies one sign-in: the family of refresh tokens rotated from it.
    SignInId
);
id_type!(
    /// Identifies a memory ARES keeps about a user.
    MemoryId
);
id_type!(
    /// Identifies the account a request is metered to: a tenant or a user (their ids never collide: both are
    /// random UUIDs). The usage ledger counts per account.
    AccountId
);

impl From<TenantId> for AccountId {
    fn from(id: TenantId) -> Self {
        AccountId(id.as_uuid())
    }
}

/// An identifier shown with a prefix naming its kind (`usr_...`, `ctx_...`): a UUID written as 32 hex digits.
macro_rules! prefixed_id_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// What its text form starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh random identifier.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// The underlying UUID.
            #[must_use]
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.strip_prefix($prefix)
                    .filter(|hex| hex.len() == 32)
                    .and_then(|hex| Uuid::try_parse(hex).ok())
                    .map(Self)
                    .ok_or_else(|| InvalidId(raw.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.0.simple())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

prefixed_id_type!(
    /// Identifies an end user (`usr_...`).
    UserId,
    "usr_"
);
prefixed_id_type!(
    /// Identifies a conversation; clients pass it back as `context_id` (`ctx_...`).
    ConversationId,
    "ctx_"
);

impl From<UserId> for AccountId {
    fn from(id: UserId) -> Self {
        AccountId(id.as_uuid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_form() {
        let id = TenantId::new();
        assert_eq!(id.to_string().parse::<TenantId>(), Ok(id));
    }

    #[test]
    fn prefixed_ids_round_trip_and_refuse_other_kinds() {
        let user = UserId::new();
        assert!(user.to_string().starts_with("usr_"));
        assert_eq!(user.to_string().parse::<UserId>(), Ok(user));
        let conversation = ConversationId::new().to_string();
        assert!(conversation.parse::<UserId>().is_err());
        assert!(user.as_uuid().to_string().parse::<UserId>().is_err());
        assert_eq!(AccountId::from(user).as_uuid(), user.as_uuid());
    }

    #[test]
    fn a_non_uuid_is_not_an_id() {
        assert_eq!("nope".parse::<AgentId>(), Err(InvalidId("nope".into())));
    }
}
