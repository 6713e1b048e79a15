//! The user repository. A new user's usage account (their row of `tenant_quotas`, keyed by the user's account id)
//! is opened in the transaction that stores them.

use ares_application::ports::{RepoError, UserRepository};
use ares_domain::{AccountId, AuditEntry, Email, Page, User, UserChange, UserId, UserName};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::audit::{AuditRow, write_audit};
use super::ledger::QuotaRow;
use super::{count, parse_stored, read_time, stored_count, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::{tenant_quotas, users};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    password_hash: String,
    tier: String,
    disabled: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<&User> for UserRow {
    fn from(user: &User) -> Self {
        UserRow {
            id: user.id.to_string(),
            email: user.email.to_string(),
            name: user.name.as_ref().to_owned(),
            password_hash: user.password_hash.clone(),
            tier: user.tier.as_str().to_owned(),
            disabled: user.disabled,
            created_at: stored_time(user.created_at),
            updated_at: stored_time(user.updated_at),
        }
    }
}

impl TryFrom<UserRow> for User {
    type Error = RepoError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(User {
            id: parse_stored("user id", row.id.parse())?,
            email: parse_stored("user email", Email::parse(&row.email))?,
            name: parse_stored("user name", UserName::parse(&row.name))?,
            password_hash: row.password_hash,
            tier: parse_stored("user tier", row.tier.parse())?,
            disabled: row.disabled,
            created_at: read_time(row.created_at),
            updated_at: read_time(row.updated_at),
        })
    }
}

impl UserRow {
    /// Whether `change` gives this user a tier or a state they do not have.
    fn differs(&self, change: UserChange) -> bool {
        change.tier.is_some_and(|tier| tier.as_str() != self.tier)
            || change.disabled.is_some_and(|disabled| disabled != self.disabled)
    }
}

/// Users in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct UserStore {
    db: Db,
}

impl UserStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl UserRepository for UserStore {
    async fn insert(&self, user: &User, audit: &AuditEntry) -> Result<(), RepoError> {
        let row = UserRow::from(user);
        let quota = QuotaRow::new(AccountId::from(user.id));
        let audit = AuditRow::from(audit);
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::insert_into(users::table).values(&row).execute(conn).await?;
                diesel::insert_into(tenant_quotas::table).values(&quota).execute(conn).await?;
                write_audit!(conn, &audit)?;
                Ok(())
            })
            .map_err(query_error)
        })
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, RepoError> {
        let row: Option<UserRow> = with_conn!(&self.db, |conn| {
            users::table
                .filter(users::email.eq(email.as_ref()))
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(query_error)?
        });
        row.map(User::try_from).transpose()
    }

    async fn get(&self, id: UserId) -> Result<Option<User>, RepoError> {
        let id = id.to_string();
        let row: Option<UserRow> = with_conn!(&self.db, |conn| {
            users::table.find(&id).select(UserRow::as_select()).first(conn).await.optional().map_err(query_error)?
        });
        row.map(User::try_from).transpose()
    }

    async fn page(&self, page: Page) -> Result<(Vec<User>, u64), RepoError> {
        let (offset, limit) = (stored_count(page.offset()), stored_count(page.size()));
        let (rows, total): (Vec<UserRow>, i64) = with_conn!(&self.db, |conn| {
            let total = users::table.count().get_result(conn).await.map_err(query_error)?;
            let rows = users::table
                .order((users::created_at.desc(), users::id.desc()))
                .offset(offset)
                .limit(limit)
                .select(UserRow::as_select())
                .load(conn)
                .await
                .map_err(query_error)?;
            (rows, total)
        });
        let users = rows.into_iter().map(User::try_from).collect::<Result<_, _>>()?;
        Ok((users, count(total)))
    }

    async fn update(
        &self,
        id: UserId,
        change: UserChange,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Option<User>, RepoError> {
        let id = id.to_string();
        let audit = AuditRow::from(audit);
        let row: Option<UserRow> = with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                // Takes the user's row first: concurrent changes to one user wait here for each other (on SQLite,
                // the write lock), so each compares with what the others wrote.
                diesel::update(users::table.find(&id))
                    .set(users::updated_at.eq(users::updated_at))
                    .execute(conn)
                    .await?;
                let row: Option<UserRow> =
                    users::table.find(&id).select(UserRow::as_select()).first(conn).await.optional()?;
                let Some(row) = row else { return Ok(None) };
                if !row.differs(change) {
                    return Ok(Some(row));
                }
                let changed = diesel::update(users::table.find(&id))
                    .set((
                        users::tier.eq(change.tier.map_or(row.tier, |tier| tier.as_str().to_owned())),
                        users::disabled.eq(change.disabled.unwrap_or(row.disabled)),
                        users::updated_at.eq(stored_time(now)),
                    ))
                    .returning(UserRow::as_returning())
                    .get_result(conn)
                    .await?;
                write_audit!(conn, &audit)?;
                Ok(Some(changed))
            })
            .map_err(query_error)?
        });
        row.map(User::try_from).transpose()
    }
}
