//! ARES persistence adapter: one diesel implementation of every repository port, compiled for PostgreSQL and
//! SQLite. The database URL picks the backend; dialects differ only in `migrations/postgres` and
//! `migrations/sqlite`.

#[macro_use]
mod db;
mod error;
mod migrate;
mod probe;
mod repos;
mod schema;
mod secrets;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, Db, DbSettings};
pub use repos::{
    AgentStore, AlertStore, AnalyticsStore, ApiKeyStore, AuditStore, ConversationStore, LedgerStore, MemoryStore,
    ProviderStore, RunStore, SessionStore, TemplateStore, TenantStore, UserAgentStore, UserStore,
};
pub use secrets::{Cipher, SecretError};
