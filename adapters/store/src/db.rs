//! Connection pools for both backends, and `with_conn!`, which compiles one query body once per backend.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, TryFutureExt};

/// The SQLite connection type: diesel's sync connection run on tokio's blocking pool.
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, Detached>;

/// Runs SQLite calls on the blocking pool of the caller's runtime. When the caller goes away (a client hung up),
/// the call is left to finish on its own rather than waited for: diesel-async's default waits with
/// `block_in_place`, which panics on the current-thread runtimes actix workers run on. The connection's own lock
/// makes the next user wait for the call, and a transaction cut short leaves the connection marked broken, so the
/// pool discards it.
pub struct Detached;

impl SpawnBlocking for Detached {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        tokio::task::spawn_blocking(task).map_err(Box::from).boxed()
    }

    fn get_runtime() -> Self {
        Detached
    }
}

/// Which database serves the repositories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend a database URL names: `postgres://` / `postgresql://` or `sqlite://PATH` / `sqlite:PATH`.
    ///
    /// # Errors
    /// When the URL names neither.
    pub fn of_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            anyhow::bail!("unsupported database URL (use postgres://... or sqlite://PATH)")
        }
    }

    /// `"postgres"` or `"sqlite"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// Pool and session settings.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub url: String,
    pub max_connections: usize,
    /// How long a request waits for a pooled connection, and for a new connection to open.
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout` for every session.
    pub statement_timeout: Duration,
    /// SQLite `busy_timeout`: how long a writer waits for the lock.
    pub busy_timeout: Duration,
}

/// A pool of connections to one of the two backends.
#[derive(Clone)]
pub enum Db {
    Postgres(Pool<AsyncPgConnection>),
    Sqlite(Pool<SqliteConn>),
}

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend `$db` holds. The body is compiled
/// once per backend, so a query written once serves both. Pool errors return early as `RepoError::Unexpected`.
/// `|conn: Conn|` also names the connection type, for closures (transactions) that need it spelled out.
macro_rules! with_conn {
    ($db:expr, |$conn:ident| $body:expr) => {
        with_conn!($db, |$conn: _Conn| $body)
    };
    ($db:expr, |$conn:ident : $conn_type:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Postgres(pool) => {
                #[allow(dead_code, reason = "only bodies that open a transaction name the connection type")]
                type $conn_type = diesel_async::AsyncPgConnection;
                let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                let $conn: &mut $conn_type = &mut *pooled;
                $body
            }
            $crate::db::Db::Sqlite(pool) => {
                #[allow(dead_code, reason = "only bodies that open a transaction name the connection type")]
                type $conn_type = $crate::db::SqliteConn;
                let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                let $conn: &mut $conn_type = &mut *pooled;
                $body
            }
        }
    };
}

/// Runs the statements of `$body` (an expression of type `QueryResult<T>`) in one transaction on `$conn`, a
/// connection of type `$conn_type`: committed when it yields `Ok`, rolled back otherwise. Written against the
/// transaction manager rather than `AsyncConnection::transaction`, whose higher-ranked closure `async_trait`
/// cannot prove `Send`. A transaction cut short by a cancelled request leaves the connection marked broken, and
/// the pool discards it.
macro_rules! in_transaction {
    ($conn:ident : $conn_type:ty, $body:expr) => {{
        use diesel_async::TransactionManager as _;
        type Manager = <$conn_type as diesel_async::AsyncConnection>::TransactionManager;
        async {
            Manager::begin_transaction($conn).await?;
            let outcome: diesel::QueryResult<_> = async { $body }.await;
            match outcome {
                Ok(value) => Manager::commit_transaction($conn).await.map(|()| value),
                Err(err) => {
                    if let Err(rollback) = Manager::rollback_transaction($conn).await {
                        tracing::warn!(error = %rollback, "rollback failed; the connection will be discarded");
                    }
                    Err(err)
                }
            }
        }
        .await
    }};
}

impl Db {
    /// Opens a pool, checks that a connection can be made, and runs the pending migrations.
    ///
    /// # Errors
    /// When the URL is unsupported, the database cannot be reached, or a migration fails.
    pub async fn connect(settings: &DbSettings) -> anyhow::Result<Db> {
        let db = match Backend::of_url(&settings.url)? {
            Backend::Postgres => Db::Postgres(postgres_pool(settings, true)?),
            Backend::Sqlite => Db::Sqlite(sqlite_pool(settings)?),
        };
        crate::migrate::run(&db, &settings.url).await?;
        Ok(db)
    }

    /// A pool for writes that need not wait for the disk before they return (the usage ledger, unless configured
    /// otherwise). On PostgreSQL its sessions commit with `synchronous_commit = off`: a commit is visible to every
    /// other session at once and survives ARES being killed; only a crash of the database host within a fraction of
    /// a second could lose it (never half of it). On SQLite, whose WAL commits never wait for the disk
    /// (`synchronous = NORMAL`), it is this pool.
    ///
    /// # Errors
    /// When the pool cannot be built.
    pub fn relaxed(&self, settings: &DbSettings) -> anyhow::Result<Db> {
        match self {
            Db::Postgres(_) => Ok(Db::Postgres(postgres_pool(settings, false)?)),
            Db::Sqlite(_) => Ok(self.clone()),
        }
    }

    /// The pool's connections: `(in use, idle)`.
    #[must_use]
    pub fn connections(&self) -> (usize, usize) {
        let status = match self {
            Db::Postgres(pool) => pool.status(),
            Db::Sqlite(pool) => pool.status(),
        };
        (status.size.saturating_sub(status.available), status.available)
    }

    /// The backend this pool talks to.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Db::Postgres(_) => Backend::Postgres,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }
}

// Both pools recycle connections `Fast`: a checkout costs no round trip (the default, `Verified`, runs a query on
// every checkout). A connection that broke is still discarded; one that died idle fails its next query once.
fn postgres_pool(settings: &DbSettings, durable: bool) -> anyhow::Result<Pool<AsyncPgConnection>> {
    let statement_timeout = settings.statement_timeout.as_millis();
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| establish_postgres(url, statement_timeout, durable).boxed());
    let manager = AsyncDieselConnectionManager::new_with_config(&settings.url, config);
    build_pool(Pool::builder(manager), settings)
}

async fn establish_postgres(
    url: &str,
    statement_timeout_ms: u128,
    durable: bool,
) -> diesel::ConnectionResult<AsyncPgConnection> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    let commit = if durable { "on" } else { "off" };
    conn.batch_execute(&format!("SET statement_timeout = {statement_timeout_ms}; SET synchronous_commit = {commit}"))
        .await
        .map_err(|err| diesel::ConnectionError::BadConnection(err.to_string()))?;
    Ok(conn)
}

fn sqlite_pool(settings: &DbSettings) -> anyhow::Result<Pool<SqliteConn>> {
    let path = sqlite_path(&settings.url).to_owned();
    if let Some(parent) = Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let busy_timeout = settings.busy_timeout.as_millis();
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |_| establish_sqlite(path.clone(), busy_timeout).boxed());
    let manager = AsyncDieselConnectionManager::new_with_config(&settings.url, config);
    build_pool(Pool::builder(manager), settings)
}

fn establish_sqlite(path: String, busy_timeout_ms: u128) -> BoxFuture<'static, diesel::ConnectionResult<SqliteConn>> {
    async move {
        let mut conn = SqliteConn::establish(&path).await?;
        // busy_timeout first: switching to WAL takes a lock, and a connection opened while another holds it
        // must wait for it rather than fail at once.
        let pragmas = format!(
            "PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON;"
        );
        conn.batch_execute(&pragmas).await.map_err(|err| diesel::ConnectionError::BadConnection(err.to_string()))?;
        Ok(conn)
    }
    .boxed()
}

/// The file path of a `sqlite://PATH` or `sqlite:PATH` URL.
pub(crate) fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

fn build_pool<C>(
    builder: diesel_async::pooled_connection::deadpool::PoolBuilder<C>,
    settings: &DbSettings,
) -> anyhow::Result<Pool<C>>
where
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager,
{
    builder
        .max_size(settings.max_connections)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(settings.acquire_timeout))
        .create_timeout(Some(settings.acquire_timeout))
        .recycle_timeout(Some(settings.acquire_timeout))
        .build()
        .context("cannot build the connection pool")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_picks_the_backend() {
        assert_eq!(Backend::of_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of_url("sqlite://data/ares.db").unwrap(), Backend::Sqlite);
        assert!(Backend::of_url("mysql://x").is_err());
    }

    #[test]
    fn a_sqlite_call_dropped_on_a_current_thread_runtime_finishes_on_its_own() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        runtime.block_on(async {
            let call = Detached.spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(50));
                done.send(()).unwrap();
            });
            drop(call);
        });
        finished.recv_timeout(Duration::from_secs(5)).unwrap();
    }

    #[test]
    fn sqlite_urls_name_a_relative_or_absolute_path() {
        assert_eq!(sqlite_path("sqlite://data/ares.db"), "data/ares.db");
        assert_eq!(sqlite_path("sqlite:///var/lib/ares.db"), "/var/lib/ares.db");
        assert_eq!(sqlite_path("sqlite:ares.db"), "ares.db");
    }
}
