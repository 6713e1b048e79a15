//! The ledger's two counter statements, written as diesel queries of their own: their SQL is fixed, so each
//! connection prepares it once (a `sql_query` is prepared again on every call), and diesel writes each backend's
//! bind placeholders. The SQL names its parameters (`:tenant`); a parameter named twice is bound twice.

use ares_domain::{AccountId, Counters, Period, Quota};
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, HasSqlType, Text, Timestamp, Untyped};
use diesel::{QueryResult, QueryableByName};

use super::super::{count, stored_count};

/// The month's settled tokens less the reservations its finished requests released, from the days of the month.
const SETTLED: &str = "(SELECT CAST(COALESCE(SUM(tokens - released), 0) AS BIGINT) FROM usage_daily \
     WHERE tenant_id = :tenant AND day_key >= :first_day AND day_key <= :last_day)";
/// The month's settled tokens.
const TOKENS: &str = "(SELECT CAST(COALESCE(SUM(tokens), 0) AS BIGINT) FROM usage_daily \
     WHERE tenant_id = :tenant AND day_key >= :first_day AND day_key <= :last_day)";
/// The month's cost, in billionths of a US dollar.
const COST: &str = "(SELECT CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT) FROM usage_daily \
     WHERE tenant_id = :tenant AND day_key >= :first_day AND day_key <= :last_day)";
/// The reservations released this month.
const RELEASED: &str = "(SELECT CAST(COALESCE(SUM(released), 0) AS BIGINT) FROM usage_daily \
     WHERE tenant_id = :tenant AND day_key >= :first_day AND day_key <= :last_day)";

/// Counts `:requests` requests and `:reserve` tokens against the tenant's day and month, rolling either over when
/// its key is older, only when every limit still holds afterwards; returns the counters after, or no row.
const ADMIT: &str = "UPDATE tenant_quotas SET \
     day_requests = (CASE WHEN day_key = :day THEN day_requests ELSE 0 END) + :requests, \
     month_requests = (CASE WHEN month_key = :month THEN month_requests ELSE 0 END) + :requests, \
     month_reserved = (CASE WHEN month_key = :month THEN month_reserved ELSE 0 END) + :reserve, \
     day_key = :day, month_key = :month \
     WHERE tenant_id = :tenant \
     AND (CASE WHEN day_key = :day THEN day_requests ELSE 0 END) + :requests <= :daily_limit \
     AND (CASE WHEN month_key = :month THEN month_requests ELSE 0 END) + :requests <= :monthly_limit \
     AND (CASE WHEN month_key = :month THEN month_reserved ELSE 0 END) + :reserve + :settled <= :token_limit \
     RETURNING day_requests, month_requests, :tokens AS month_tokens, month_reserved - :released AS month_reserved, \
     :cost AS month_cost_nanos";

/// The tenant's counters as they stand for a day and a month (zero for a period its row has not reached).
const CURRENT: &str = "SELECT \
     (CASE WHEN day_key = :day THEN day_requests ELSE 0 END) AS day_requests, \
     (CASE WHEN month_key = :month THEN month_requests ELSE 0 END) AS month_requests, \
     :tokens AS month_tokens, \
     (CASE WHEN month_key = :month THEN month_reserved ELSE 0 END) - :released AS month_reserved, \
     :cost AS month_cost_nanos \
     FROM tenant_quotas WHERE tenant_id = :tenant";

/// The counters a statement returns.
#[derive(QueryableByName)]
pub(super) struct CounterRow {
    #[diesel(sql_type = BigInt)]
    day_requests: i64,
    #[diesel(sql_type = BigInt)]
    month_requests: i64,
    #[diesel(sql_type = BigInt)]
    month_tokens: i64,
    #[diesel(sql_type = BigInt)]
    month_reserved: i64,
    #[diesel(sql_type = BigInt)]
    month_cost_nanos: i64,
}

impl From<CounterRow> for Counters {
    fn from(row: CounterRow) -> Self {
        Counters {
            day_requests: count(row.day_requests),
            month_requests: count(row.month_requests),
            month_tokens: count(row.month_tokens),
            month_reserved: count(row.month_reserved),
            month_cost_nanos: count(row.month_cost_nanos),
        }
    }
}

/// The parameters a counter statement may name.
#[derive(Debug, Clone)]
struct Params {
    tenant: String,
    day: String,
    month: String,
    first_day: String,
    last_day: String,
    requests: i64,
    reserve: i64,
    daily_limit: i64,
    monthly_limit: i64,
    token_limit: i64,
}

impl Params {
    fn new(account: AccountId, period: &Period) -> Self {
        Params {
            tenant: account.to_string(),
            day: period.day_key(),
            month: period.month_key(),
            first_day: period.month_start().format("%Y-%m-%d").to_string(),
            last_day: period.month_end().format("%Y-%m-%d").to_string(),
            requests: 0,
            reserve: 0,
            daily_limit: i64::MAX,
            monthly_limit: i64::MAX,
            token_limit: i64::MAX,
        }
    }

    /// Writes `sql`, each `:name` as the bind of that parameter (the month's sums as their subqueries).
    fn write<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>, sql: &'static str) -> QueryResult<()>
    where
        DB: Backend + HasSqlType<Text> + HasSqlType<BigInt>,
        str: ToSql<Text, DB>,
        i64: ToSql<BigInt, DB>,
    {
        let mut rest = sql;
        while let Some(start) = rest.find(':') {
            out.push_sql(&rest[..start]);
            let name_len = rest[start + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len() - start - 1);
            let name = &rest[start + 1..start + 1 + name_len];
            match name {
                "settled" => self.write(out, SETTLED)?,
                "tokens" => self.write(out, TOKENS)?,
                "released" => self.write(out, RELEASED)?,
                "cost" => self.write(out, COST)?,
                _ => self.bind(out, name)?,
            }
            rest = &rest[start + 1 + name_len..];
        }
        out.push_sql(rest);
        Ok(())
    }

    fn bind<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>, name: &str) -> QueryResult<()>
    where
        DB: Backend + HasSqlType<Text> + HasSqlType<BigInt>,
        str: ToSql<Text, DB>,
        i64: ToSql<BigInt, DB>,
    {
        let text = |value: &'b String| -> &'b str { value };
        match name {
            "tenant" => out.push_bind_param::<Text, str>(text(&self.tenant)),
            "day" => out.push_bind_param::<Text, str>(text(&self.day)),
            "month" => out.push_bind_param::<Text, str>(text(&self.month)),
            "first_day" => out.push_bind_param::<Text, str>(text(&self.first_day)),
            "last_day" => out.push_bind_param::<Text, str>(text(&self.last_day)),
            "requests" => out.push_bind_param::<BigInt, i64>(&self.requests),
            "reserve" => out.push_bind_param::<BigInt, i64>(&self.reserve),
            "daily_limit" => out.push_bind_param::<BigInt, i64>(&self.daily_limit),
            "monthly_limit" => out.push_bind_param::<BigInt, i64>(&self.monthly_limit),
            "token_limit" => out.push_bind_param::<BigInt, i64>(&self.token_limit),
            other => Err(diesel::result::Error::QueryBuilderError(format!("unknown parameter :{other}").into())),
        }
    }
}

fn limit(value: Option<u64>) -> i64 {
    value.map_or(i64::MAX, stored_count)
}

macro_rules! counter_query {
    ($(#[$meta:meta])* $name:ident, $sql:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub(super) struct $name(Params);

        impl QueryId for $name {
            type QueryId = $name;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl Query for $name {
            type SqlType = Untyped;
        }

        impl<DB> QueryFragment<DB> for $name
        where
            DB: Backend + HasSqlType<Text> + HasSqlType<BigInt>,
            str: ToSql<Text, DB>,
            i64: ToSql<BigInt, DB>,
        {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                self.0.write(&mut out, $sql)
            }
        }
    };
}

counter_query!(
    /// The admission of `requests` requests reserving `reserve` tokens.
    AdmitQuery,
    ADMIT
);
counter_query!(
    /// The counters as they stand.
    CurrentQuery,
    CURRENT
);

impl AdmitQuery {
    pub(super) fn new(account: AccountId, period: &Period, quota: &Quota, requests: usize, reserve: u64) -> Self {
        AdmitQuery(Params {
            requests: i64::try_from(requests).unwrap_or(i64::MAX),
            reserve: stored_count(reserve),
            daily_limit: limit(quota.daily_requests),
            monthly_limit: limit(quota.monthly_requests),
            token_limit: limit(quota.monthly_tokens),
            ..Params::new(account, period)
        })
    }
}

impl AdmitQuery {
    /// The tenant it admits for, as stored.
    pub(super) fn tenant(&self) -> &str {
        &self.0.tenant
    }

    /// The month it counts in.
    pub(super) fn month(&self) -> &str {
        &self.0.month
    }
}

impl CurrentQuery {
    pub(super) fn new(account: AccountId, period: &Period) -> Self {
        CurrentQuery(Params::new(account, period))
    }
}

/// PostgreSQL: an admission (or a further reservation) and the reservation rows it keeps, in one statement. The
/// rows are written only when the admission is, from the same statement's `RETURNING`; a reservation already kept
/// (a further round's) grows.
#[derive(Debug, Clone)]
pub(super) struct LeasingAdmitQuery {
    admit: Params,
    ids: Vec<String>,
    tokens: Vec<i64>,
    expires_at: chrono::NaiveDateTime,
}

impl LeasingAdmitQuery {
    /// `admit` with `(id, tokens)` reservations expiring at `expires_at`.
    pub(super) fn new(admit: AdmitQuery, leases: &[(String, i64)], expires_at: chrono::NaiveDateTime) -> Self {
        let (ids, tokens) = leases.iter().cloned().unzip();
        LeasingAdmitQuery { admit: admit.0, ids, tokens, expires_at }
    }
}

impl QueryId for LeasingAdmitQuery {
    type QueryId = LeasingAdmitQuery;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for LeasingAdmitQuery {
    type SqlType = Untyped;
}

impl QueryFragment<Pg> for LeasingAdmitQuery {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH admitted AS (");
        self.admit.write(&mut out, ADMIT)?;
        out.push_sql(
            "), leased AS (INSERT INTO reservations (id, tenant_id, month_key, tokens, expires_at) SELECT r.id, ",
        );
        self.admit.bind(&mut out, "tenant")?;
        out.push_sql(", ");
        self.admit.bind(&mut out, "month")?;
        out.push_sql(", r.tokens, ");
        out.push_bind_param::<Timestamp, _>(&self.expires_at)?;
        out.push_sql(" FROM unnest(");
        out.push_bind_param::<Array<Text>, _>(&self.ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(&self.tokens)?;
        out.push_sql(
            ") AS r (id, tokens) WHERE r.tokens > 0 AND EXISTS (SELECT 1 FROM admitted) \
             ON CONFLICT (id) DO UPDATE SET tokens = reservations.tokens + EXCLUDED.tokens) \
             SELECT * FROM admitted",
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use diesel::pg::Pg;
    use diesel::sqlite::Sqlite;

    use super::*;

    fn query() -> AdmitQuery {
        let period = Period::at(chrono::Utc.with_ymd_and_hms(2026, 2, 13, 12, 0, 0).unwrap());
        AdmitQuery::new(AccountId::new(), &period, &Quota::UNLIMITED, 1, 5)
    }

    #[test]
    fn named_parameters_become_each_backends_binds() {
        let pg = diesel::debug_query::<Pg, _>(&query()).to_string();
        assert!(pg.contains("day_key = $1 THEN day_requests ELSE 0 END) + $2"), "{pg}");
        let sql = pg.split(" -- binds").next().unwrap();
        assert!(sql.contains("day_key >= $") && !sql.contains(':'), "every parameter is bound: {sql}");
        assert!(pg.contains("-- binds: [\"2026-02-13\", 1,"), "{pg}");
        assert!(pg.contains("\"2026-02-01\", \"2026-02-28\""), "the month's first and last days: {pg}");
        let sqlite = diesel::debug_query::<Sqlite, _>(&query()).to_string();
        assert!(sqlite.contains("day_key = ? THEN") && !sqlite.contains('$'), "{sqlite}");
    }
}
