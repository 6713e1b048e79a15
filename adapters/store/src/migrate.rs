//! Embedded migrations, run at start-up. On PostgreSQL an advisory lock keeps instances that start together from
//! migrating at the same time.

use anyhow::Context;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::db::{Backend, Db, sqlite_path};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// An arbitrary key for `pg_advisory_lock`, the same in every instance.
const MIGRATION_LOCK: i64 = 0x4152_4553_4d49_4752;

/// Brings the schema up to date.
pub(crate) async fn run(db: &Db, url: &str) -> anyhow::Result<()> {
    let url = url.to_owned();
    let backend = db.backend();
    tokio::task::spawn_blocking(move || match backend {
        Backend::Postgres => migrate_postgres(&url),
        Backend::Sqlite => migrate_sqlite(sqlite_path(&url)),
    })
    .await
    .context("the migration task panicked")?
}

fn migrate_postgres(url: &str) -> anyhow::Result<()> {
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(url)
        .map_err(|err| anyhow::anyhow!("cannot connect to the database: {err}"))?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(&mut conn)?;
    let outcome = conn.run_pending_migrations(POSTGRES).map(|_| ());
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(&mut conn)?;
    outcome.map_err(|err| anyhow::anyhow!("database migration failed: {err}"))
}

fn migrate_sqlite(path: &str) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::establish(path)
        .map_err(|err| anyhow::anyhow!("cannot open the SQLite database {path}: {err}"))?;
    diesel::sql_query("PRAGMA busy_timeout = 5000").execute(&mut conn)?;
    conn.run_pending_migrations(SQLITE).map(|_| ()).map_err(|err| anyhow::anyhow!("database migration failed: {err}"))
}
