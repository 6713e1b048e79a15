//! Test databases: each test gets its own. PostgreSQL databases are copied from a template migrated once per
//! schema version (guarded by an advisory lock, so parallel test processes build it once) and dropped when the
//! `TestDb` goes out of scope; SQLite databases are files in a temporary directory.

use std::time::Duration;

use anyhow::Context;
use ares_application::ports::RepoError;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::error::query_error;

use crate::{Backend, Db, DbSettings};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const TEMPLATE_LOCK: i64 = 0x4152_4553_5445_5354;

/// The PostgreSQL server tests use: `ARES_TEST_POSTGRES_URL`, or the local server as user `postgres`.
#[must_use]
pub fn admin_url() -> String {
    std::env::var("ARES_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// A database of its own for one test.
pub struct TestDb {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Postgres { admin_url: String, name: String },
    Sqlite(#[expect(dead_code, reason = "held only so the directory lives as long as the database")] tempfile::TempDir),
}

impl TestDb {
    /// A fresh, migrated database of `backend`.
    ///
    /// # Panics
    /// When the database cannot be made: the test cannot run without it.
    pub async fn new(backend: Backend) -> TestDb {
        let made = match backend {
            Backend::Postgres => Self::postgres().await,
            Backend::Sqlite => Self::sqlite(),
        };
        match made {
            Ok(db) => db,
            Err(err) => panic!("cannot make a {} test database: {err:#}", backend.as_str()),
        }
    }

    async fn postgres() -> anyhow::Result<TestDb> {
        let admin_url = admin_url();
        let template = ensure_template(&admin_url).await?;
        let name = format!("ares_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&admin_url).await.context("connect to PostgreSQL")?;
        retry_while_busy(&mut admin, format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).await?;
        let url = format!("{}/{name}", server_url(&admin_url));
        Ok(TestDb { url, cleanup: Cleanup::Postgres { admin_url, name } })
    }

    fn sqlite() -> anyhow::Result<TestDb> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("ares.db").display());
        Ok(TestDb { url, cleanup: Cleanup::Sqlite(dir) })
    }

    /// The database URL, as `DATABASE_URL` would give it.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Pool settings for this database, with short test timeouts.
    #[must_use]
    pub fn settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.clone(),
            max_connections: 5,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(10),
        }
    }

    /// A migrated pool on this database.
    ///
    /// # Panics
    /// When the database cannot be reached.
    pub async fn connect(&self) -> Db {
        match Db::connect(&self.settings()).await {
            Ok(db) => db,
            Err(err) => panic!("cannot connect to the test database: {err:#}"),
        }
    }
}

impl TestDb {
    /// Runs raw SQL on this database (to install a fault, say).
    ///
    /// # Errors
    /// When the statements fail.
    pub async fn execute(&self, sql: &str) -> Result<(), RepoError> {
        let db = self.connect().await;
        with_conn!(&db, |conn| conn.batch_execute(sql).await.map_err(query_error))
    }

    /// PostgreSQL: stops (`false`) or resumes (`true`) letting anyone connect to this database, and on stopping
    /// ends every connection to it, as a database server restart does. Does nothing on SQLite.
    ///
    /// # Errors
    /// When the administrative statements fail.
    pub async fn set_reachable(&self, reachable: bool) -> anyhow::Result<()> {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else { return Ok(()) };
        let mut admin = AsyncPgConnection::establish(admin_url).await.context("connect to PostgreSQL")?;
        let allow = format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {reachable}");
        diesel::sql_query(allow).execute(&mut admin).await?;
        if !reachable {
            let end = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
            diesel::sql_query(end).execute(&mut admin).await?;
        }
        Ok(())
    }

    /// How many rows `table` holds, looked at behind the API.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn count_rows(&self, table: &str) -> Result<i64, RepoError> {
        let db = self.connect().await;
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let count: Count =
            with_conn!(&db, |conn| diesel::sql_query(&sql).get_result(conn).await.map_err(query_error)?);
        Ok(count.n)
    }

    /// The values of one text column of `table`, to check what is (and is not) stored.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn text_column(&self, table: &str, column: &str) -> Result<Vec<String>, RepoError> {
        let db = self.connect().await;
        let sql = format!("SELECT {column} AS value FROM {table}");
        let rows: Vec<TextValue> =
            with_conn!(&db, |conn| diesel::sql_query(&sql).load(conn).await.map_err(query_error)?);
        Ok(rows.into_iter().map(|row| row.value).collect())
    }
}

#[derive(QueryableByName)]
struct TextValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await.ok()?;
                let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                diesel::sql_query(drop).execute(&mut admin).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop test database {}", self.url);
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The name of the migrated template database for the current migrations, creating it when missing.
async fn ensure_template(admin_url: &str) -> anyhow::Result<String> {
    let template = format!("ares_template_{}", env!("ARES_PG_MIGRATIONS_HASH"));
    let mut admin = AsyncPgConnection::establish(admin_url).await.context("connect to PostgreSQL")?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).execute(&mut admin).await?;
    let built = build_template_once(&mut admin, admin_url, &template).await;
    diesel::sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).execute(&mut admin).await?;
    built.map(|()| template)
}

async fn build_template_once(admin: &mut AsyncPgConnection, admin_url: &str, template: &str) -> anyhow::Result<()> {
    let exists: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(template)
        .get_result(admin)
        .await?;
    if exists.n > 0 {
        return Ok(());
    }
    let building = format!("{template}_building");
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).execute(admin).await?;
    diesel::sql_query(format!("CREATE DATABASE \"{building}\"")).execute(admin).await?;
    let settings = DbSettings {
        url: format!("{}/{building}", server_url(admin_url)),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(60),
        busy_timeout: Duration::from_secs(10),
    };
    drop(Db::connect(&settings).await.context("migrate the template database")?);
    retry_while_busy(admin, format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"")).await
}

/// Retries a statement PostgreSQL refuses while a just-closed session still holds the source database.
async fn retry_while_busy(admin: &mut AsyncPgConnection, statement: String) -> anyhow::Result<()> {
    let mut attempts = 0;
    loop {
        match diesel::sql_query(&statement).execute(admin).await {
            Ok(_) => return Ok(()),
            Err(err) if attempts < 50 && err.to_string().contains("being accessed by other users") => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// `postgres://user@host:port` of a `postgres://user@host:port/db` URL.
fn server_url(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..].find('/').map_or(url, |slash| &url[..after_scheme + slash])
}

/// Declares, for each async test function `name(backend: Backend)` of the calling module, a test on PostgreSQL
/// (`postgres::name`) and one on SQLite (`sqlite::name`): the contract suites run every repository on both.
#[macro_export]
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(ares_store::Backend::Postgres).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(ares_store::Backend::Sqlite).await;
                }
            )*
        }
    };
}
