//! The store probe behind `GET /health`.

use ares_application::ports::{RepoError, StoreProbe};
use async_trait::async_trait;
use diesel::IntoSql;
use diesel::sql_types::Integer;
use diesel_async::RunQueryDsl;

use crate::db::Db;
use crate::error::query_error;

#[async_trait]
impl StoreProbe for Db {
    fn backend(&self) -> &'static str {
        Db::backend(self).as_str()
    }

    async fn ping(&self) -> Result<(), RepoError> {
        let one: i32 = with_conn!(self, |conn| {
            diesel::select(1.into_sql::<Integer>()).get_result(conn).await.map_err(query_error)?
        });
        debug_assert_eq!(one, 1);
        Ok(())
    }
}
