//! The refresh token repository: tokens by their hash, rotated by one conditional `UPDATE ... RETURNING`, so two
//! requests presenting one token rotate it once (the database serializes them on the token's row; on SQLite, on
//! the write lock) and the other finds it spent.

use ares_application::ports::{RepoError, Rotation, SessionRepository};
use ares_domain::{KeyHash, RefreshRecord};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{parse_stored, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::refresh_tokens;

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshRow {
    hash: String,
    user_id: String,
    family: String,
    expires_at: NaiveDateTime,
    spent: bool,
    revoked: bool,
    created_at: NaiveDateTime,
}

impl RefreshRow {
    /// A live token, stored at `now`.
    fn new(token: &RefreshRecord, now: NaiveDateTime) -> Self {
        RefreshRow {
            hash: token.hash.as_ref().to_owned(),
            user_id: token.user_id.to_string(),
            family: token.family.to_string(),
            expires_at: stored_time(token.expires_at),
            spent: false,
            revoked: false,
            created_at: now,
        }
    }

    /// This token as the successor of one of `user_id` in `family`.
    fn succeeding(&self, user_id: &str, family: &str) -> Self {
        RefreshRow { hash: self.hash.clone(), user_id: user_id.to_owned(), family: family.to_owned(), ..*self }
    }
}

/// What the rotating transaction found, with the stored user id not yet parsed.
enum Found {
    Rotated(String),
    Reused(String),
    Invalid,
}

/// Refresh tokens in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct SessionStore {
    db: Db,
}

impl SessionStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SessionRepository for SessionStore {
    async fn insert(&self, token: &RefreshRecord, now: DateTime<Utc>) -> Result<(), RepoError> {
        let row = RefreshRow::new(token, stored_time(now));
        with_conn!(&self.db, |conn| {
            diesel::insert_into(refresh_tokens::table).values(&row).execute(conn).await.map_err(query_error)?;
        });
        Ok(())
    }

    /// `next` is stored in the presented token's family, as its user's: whatever `next` says of either.
    async fn rotate(
        &self,
        presented: &KeyHash,
        next: &RefreshRecord,
        now: DateTime<Utc>,
    ) -> Result<Rotation, RepoError> {
        let now = stored_time(now);
        let next = RefreshRow::new(next, now);
        let presented = presented.as_ref();
        let found = with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                use refresh_tokens::{expires_at, family, hash, revoked, spent, user_id};
                let live = hash.eq(presented).and(spent.eq(false)).and(revoked.eq(false)).and(expires_at.gt(now));
                let rotated: Option<(String, String)> = diesel::update(refresh_tokens::table.filter(live))
                    .set(spent.eq(true))
                    .returning((user_id, family))
                    .get_result(conn)
                    .await
                    .optional()?;
                if let Some((user, kin)) = rotated {
                    let successor = next.succeeding(&user, &kin);
                    diesel::insert_into(refresh_tokens::table).values(&successor).execute(conn).await?;
                    return Ok(Found::Rotated(user));
                }
                let replayed: Option<(String, String)> = refresh_tokens::table
                    .filter(hash.eq(presented).and(spent.eq(true)).and(expires_at.gt(now)))
                    .select((user_id, family))
                    .first(conn)
                    .await
                    .optional()?;
                let Some((user, kin)) = replayed else { return Ok(Found::Invalid) };
                let family_of = refresh_tokens::table.filter(family.eq(&kin));
                diesel::update(family_of).set(revoked.eq(true)).execute(conn).await?;
                Ok(Found::Reused(user))
            })
            .map_err(query_error)?
        });
        Ok(match found {
            Found::Rotated(user) => Rotation::Rotated(parse_stored("refresh token user id", user.parse())?),
            Found::Reused(user) => Rotation::Reused(parse_stored("refresh token user id", user.parse())?),
            Found::Invalid => Rotation::Invalid,
        })
    }

    async fn revoke(&self, presented: &KeyHash) -> Result<bool, RepoError> {
        let presented = presented.as_ref();
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                use refresh_tokens::{family, hash, revoked};
                let live = hash.eq(presented).and(revoked.eq(false));
                let kin: Option<String> = diesel::update(refresh_tokens::table.filter(live))
                    .set(revoked.eq(true))
                    .returning(family)
                    .get_result(conn)
                    .await
                    .optional()?;
                if let Some(kin) = &kin {
                    let family_of = refresh_tokens::table.filter(family.eq(kin));
                    diesel::update(family_of).set(revoked.eq(true)).execute(conn).await?;
                }
                Ok(kin.is_some())
            })
            .map_err(query_error)
        })
    }
}
