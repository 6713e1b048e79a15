//! The provider repository. Model lists are stored as JSON; network settings as milliseconds; API keys sealed
//! with the operator's encryption key (`crate::secrets`), never in clear.

use std::sync::Arc;
use std::time::Duration;

use ares_application::ports::{ProviderRepository, RepoError};
use ares_domain::{
    AuditEntry, Credential, ModelSpec, NetworkConfig, Provider, ProviderLimits, ProviderName, ProviderSecret,
    ProviderSource,
};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;

use super::audit::{AuditRow, write_audit};
use super::{parse_stored, read_time, stored_time};
use crate::db::Db;
use crate::error::{corrupt, query_error};
use crate::schema::providers;
use crate::secrets::{Cipher, SecretError, reveal};

/// Where providers defined through the API sort: after every configured one.
const API_POSITION: i32 = i32::MAX;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = providers, treat_none_as_null = true)]
struct ProviderRow {
    name: String,
    kind: String,
    base_url: Option<String>,
    api_key_env: Option<String>,
    api_key: Option<String>,
    models: String,
    requests_per_day: Option<i64>,
    tokens_per_minute: Option<i64>,
    connect_timeout_ms: i64,
    request_timeout_ms: i64,
    max_retries: i32,
    max_idle_per_host: i32,
    idle_timeout_ms: i64,
    enabled: bool,
    source: String,
    position: i32,
    discovered_models: String,
    models_refreshed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn stored_limit(limit: Option<u64>) -> Option<i64> {
    limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, RepoError> {
    serde_json::to_string(value).map_err(|err| corrupt("provider models", err))
}

fn secret_error(err: SecretError) -> RepoError {
    RepoError::Unexpected(anyhow::Error::new(err))
}

impl ProviderRow {
    /// The row of `provider`, its API key sealed with `cipher` (a key is never stored without one).
    fn new(provider: &Provider, position: i32, cipher: Option<&Cipher>) -> Result<Self, RepoError> {
        let (api_key_env, api_key) = match &provider.credential {
            Credential::None => (None, None),
            Credential::Env(variable) => (Some(variable.clone()), None),
            Credential::Stored(secret) => {
                let cipher = cipher.ok_or_else(|| secret_error(SecretError::NoKey))?;
                (None, Some(cipher.seal(secret.expose(), provider.name.as_ref()).map_err(secret_error)?))
            }
        };
        let network = &provider.network;
        Ok(ProviderRow {
            name: provider.name.to_string(),
            kind: provider.kind.as_str().to_owned(),
            base_url: provider.base_url.clone(),
            api_key_env,
            api_key,
            models: json(&provider.models)?,
            requests_per_day: stored_limit(provider.limits.requests_per_day),
            tokens_per_minute: stored_limit(provider.limits.tokens_per_minute),
            connect_timeout_ms: millis(network.connect_timeout),
            request_timeout_ms: millis(network.request_timeout),
            max_retries: i32::try_from(network.max_retries).unwrap_or(i32::MAX),
            max_idle_per_host: i32::try_from(network.max_idle_per_host).unwrap_or(i32::MAX),
            idle_timeout_ms: millis(network.idle_timeout),
            enabled: provider.enabled,
            source: provider.source.as_str().to_owned(),
            position,
            discovered_models: json(&provider.discovered_models)?,
            models_refreshed_at: provider.models_refreshed_at.map(stored_time),
            created_at: stored_time(provider.created_at),
            updated_at: stored_time(provider.updated_at),
        })
    }
}

impl ProviderRow {
    /// The provider this row holds, its API key opened with `cipher`.
    fn read(self, cipher: Option<&Cipher>) -> Result<Provider, RepoError> {
        let row = self;
        let credential = match (row.api_key, row.api_key_env) {
            (Some(key), _) => {
                let clear = reveal(cipher, &key, &row.name).map_err(|err| corrupt("provider credential", err))?;
                Credential::Stored(ProviderSecret::new(clear))
            }
            (None, Some(variable)) => Credential::Env(variable),
            (None, None) => Credential::None,
        };
        let models: Vec<ModelSpec> = parse_stored("provider models", serde_json::from_str(&row.models))?;
        let discovered: Vec<String> = parse_stored("discovered models", serde_json::from_str(&row.discovered_models))?;
        Ok(Provider {
            name: parse_stored("provider name", ProviderName::parse(&row.name))?,
            kind: parse_stored("provider kind", row.kind.parse())?,
            base_url: row.base_url,
            credential,
            models,
            limits: ProviderLimits {
                requests_per_day: row.requests_per_day.and_then(|n| u64::try_from(n).ok()),
                tokens_per_minute: row.tokens_per_minute.and_then(|n| u64::try_from(n).ok()),
            },
            network: NetworkConfig {
                connect_timeout: duration(row.connect_timeout_ms),
                request_timeout: duration(row.request_timeout_ms),
                max_retries: u32::try_from(row.max_retries).unwrap_or(0),
                max_idle_per_host: usize::try_from(row.max_idle_per_host).unwrap_or(0),
                idle_timeout: duration(row.idle_timeout_ms),
            },
            enabled: row.enabled,
            source: ProviderSource::parse(&row.source).ok_or_else(|| corrupt("provider source", &row.source))?,
            discovered_models: discovered,
            models_refreshed_at: row.models_refreshed_at.map(read_time),
            created_at: read_time(row.created_at),
            updated_at: read_time(row.updated_at),
        })
    }
}

/// Providers in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct ProviderStore {
    db: Db,
    cipher: Option<Arc<Cipher>>,
}

impl ProviderStore {
    /// API keys are sealed with `cipher`; without one, a provider with a stored key is refused.
    #[must_use]
    pub fn new(db: Db, cipher: Option<Arc<Cipher>>) -> Self {
        Self { db, cipher }
    }

    fn cipher(&self) -> Option<&Cipher> {
        self.cipher.as_deref()
    }

    /// Seals every stored API key with `new`, in one transaction: keys sealed with `current` (or stored in clear,
    /// from before encryption) are opened and sealed again. The number of keys re-sealed.
    ///
    /// # Errors
    /// When a stored key does not open with `current` (nothing is changed then), or the store fails.
    pub async fn rotate(&self, current: Option<&Cipher>, new: &Cipher) -> Result<usize, RepoError> {
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let stored: Vec<(String, String)> = providers::table
                    .filter(providers::api_key.is_not_null())
                    .select((providers::name, providers::api_key.assume_not_null()))
                    .load(conn)
                    .await?;
                for (name, key) in &stored {
                    let resealed = reveal(current, key, name)
                        .and_then(|clear| new.seal(&clear, name))
                        .map_err(|err| diesel::result::Error::QueryBuilderError(Box::new(err)))?;
                    diesel::update(providers::table.find(name))
                        .set(providers::api_key.eq(resealed))
                        .execute(conn)
                        .await?;
                }
                Ok(stored.len())
            })
            .map_err(query_error)
        })
    }
}

#[async_trait]
impl ProviderRepository for ProviderStore {
    async fn list(&self) -> Result<Vec<Provider>, RepoError> {
        let rows: Vec<ProviderRow> = with_conn!(&self.db, |conn| {
            providers::table
                .order((providers::position.asc(), providers::created_at.asc(), providers::name.asc()))
                .select(ProviderRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(|row| row.read(self.cipher())).collect()
    }

    async fn find(&self, name: &ProviderName) -> Result<Option<Provider>, RepoError> {
        let row: Option<ProviderRow> = with_conn!(&self.db, |conn| {
            providers::table
                .find(name.as_ref())
                .select(ProviderRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        row.map(|row| row.read(self.cipher())).transpose()
    }

    async fn insert(&self, provider: &Provider, audit: &AuditEntry) -> Result<(), RepoError> {
        let row = ProviderRow::new(provider, API_POSITION, self.cipher())?;
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(providers::table).values(&row).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn update(&self, provider: &Provider, audit: &AuditEntry) -> Result<bool, RepoError> {
        let name = provider.name.to_string();
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            let position: Option<i32> = providers::table
                .find(&name)
                .select(providers::position)
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?;
            let Some(position) = position else { return Ok(false) };
            let row = ProviderRow::new(provider, position, self.cipher())?;
            in_transaction!(conn: Conn, {
                let changed = diesel::update(providers::table.find(&name)).set(&row).execute(conn).await?;
                if changed == 1 {
                    write_audit!(conn, &audit)?;
                }
                Ok(changed == 1)
            })
            .map_err(query_error)
        })
    }

    async fn delete(&self, name: &ProviderName, audit: &AuditEntry) -> Result<bool, RepoError> {
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let deleted = diesel::delete(providers::table.find(name.as_ref())).execute(conn).await?;
                if deleted > 0 {
                    write_audit!(conn, &audit)?;
                }
                Ok(deleted > 0)
            })
            .map_err(query_error)
        })
    }

    async fn sync_configured(&self, configured: &[Provider]) -> Result<(), RepoError> {
        let rows = configured
            .iter()
            .zip(0..)
            .map(|(provider, position)| {
                let provider = Provider { source: ProviderSource::Config, ..provider.clone() };
                ProviderRow::new(&provider, position, self.cipher())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = rows.iter().map(|row| row.name.clone()).collect();
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::delete(
                    providers::table.filter(providers::source.eq("config").and(providers::name.ne_all(&names))),
                )
                .execute(conn)
                .await?;
                for row in &rows {
                    diesel::insert_into(providers::table)
                        .values(row)
                        .on_conflict(providers::name)
                        .do_update()
                        .set((
                            providers::kind.eq(excluded(providers::kind)),
                            providers::base_url.eq(excluded(providers::base_url)),
                            providers::api_key_env.eq(excluded(providers::api_key_env)),
                            providers::api_key.eq(excluded(providers::api_key)),
                            providers::models.eq(excluded(providers::models)),
                            providers::requests_per_day.eq(excluded(providers::requests_per_day)),
                            providers::tokens_per_minute.eq(excluded(providers::tokens_per_minute)),
                            providers::connect_timeout_ms.eq(excluded(providers::connect_timeout_ms)),
                            providers::request_timeout_ms.eq(excluded(providers::request_timeout_ms)),
                            providers::max_retries.eq(excluded(providers::max_retries)),
                            providers::max_idle_per_host.eq(excluded(providers::max_idle_per_host)),
                            providers::idle_timeout_ms.eq(excluded(providers::idle_timeout_ms)),
                            providers::source.eq(excluded(providers::source)),
                            providers::position.eq(excluded(providers::position)),
                            providers::updated_at.eq(excluded(providers::updated_at)),
                        ))
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
            .map_err(query_error)
        })
    }
}
