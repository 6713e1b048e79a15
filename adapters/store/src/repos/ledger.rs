//! The usage ledger. Admission is one conditional `UPDATE ... RETURNING` of the tenant's counter row: it rolls the
//! day and the month over when their keys are older, and increments only when every limit still holds, so the
//! database serializes concurrent admissions on the row and none can overshoot, on one instance or many.
//! The month's token use is the sum of its days' settled tokens less the reservations they released, read by the
//! same statement. Settlement inserts the usage events (and runs); a trigger adds them to their days in the same
//! transaction. Admission and settlement never write the same row, so neither waits for the other's commit.
//!
//! Both are group-committed: requests that arrive while a statement for them is in flight join the next one. A
//! tenant's waiting admissions are tried as one group (and one by one only when the group does not fit, so the
//! limits stay exact), and waiting settlements share one transaction. Every request still waits for the commit
//! that holds it, so nothing acknowledged is lost, while a busy tenant costs the database one statement per group
//! instead of one per request. The work runs in a task of its own on the runtime of the request that started it
//! (which keeps the groups large): a request that goes away never strands the others, and a writer whose runtime
//! stops under it (an HTTP worker's, at shutdown) hands its queue, and the group it was writing, to a new writer on
//! the background.

mod queries;
pub(super) mod turns;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ares_application::ports::{
    Admission, Background, DailyUsage, MonthlyUsage, RepoError, Reservation, Settlement, StoreUnavailable, UsageLedger,
};
use ares_domain::{AccountId, Counters, Period, Quota};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use futures_util::future::BoxFuture;
use tokio::sync::oneshot;

use self::queries::{AdmitQuery, CounterRow, CurrentQuery, LeasingAdmitQuery};
use self::turns::{TurnRows, write_turns};
use super::runs::RunRow;
use super::{count, parse_stored, storable, storable_opt, stored_count, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::{reservations, runs, tenant_quotas, usage_daily, usage_events};

/// The most rows one inserting statement carries (SQLite binds at most 32766 values).
const MAX_ROWS_PER_STATEMENT: usize = 500;

/// A failure shared by every request of a group: what it said, and whether the store was unavailable.
#[derive(Debug, Clone)]
struct SharedError {
    message: String,
    unavailable: bool,
}

type Shared<T> = Result<T, SharedError>;

fn shared_error(err: &RepoError) -> SharedError {
    let unavailable = matches!(err, RepoError::Unexpected(cause) if StoreUnavailable::caused(cause));
    SharedError { message: format!("{err:#}"), unavailable }
}

fn from_shared<T>(result: Result<Shared<T>, oneshot::error::RecvError>) -> Result<T, RepoError> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(SharedError { message, unavailable: true })) => Err(StoreUnavailable::error(message)),
        Ok(Err(SharedError { message, .. })) => Err(RepoError::Unexpected(anyhow::anyhow!(message))),
        Err(_) => Err(RepoError::Unexpected(anyhow::anyhow!("the ledger's writer stopped"))),
    }
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A new tenant's counter row: every period key empty, so the first admission starts its day and month.
#[derive(Insertable)]
#[diesel(table_name = tenant_quotas)]
pub(super) struct QuotaRow {
    tenant_id: String,
    day_key: String,
    day_requests: i64,
    month_key: String,
    month_requests: i64,
    month_reserved: i64,
}

impl QuotaRow {
    pub(super) fn new(account: AccountId) -> Self {
        QuotaRow {
            tenant_id: account.to_string(),
            day_key: String::new(),
            day_requests: 0,
            month_key: String::new(),
            month_requests: 0,
            month_reserved: 0,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = usage_events, treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    tenant_id: String,
    api_key_id: Option<String>,
    endpoint: String,
    agent: Option<String>,
    model: Option<String>,
    provider: Option<String>,
    tokens_in: i64,
    tokens_out: i64,
    estimated: bool,
    latency_ms: i64,
    status: i32,
    created_at: chrono::NaiveDateTime,
    day_key: String,
    runs: i32,
    reserved_tokens: i64,
    reservation_month: String,
    cost_nanos: i64,
}

impl From<&Settlement> for EventRow {
    fn from(settlement: &Settlement) -> Self {
        let event = &settlement.event;
        EventRow {
            id: event.id.to_string(),
            tenant_id: event.payer.account().to_string(),
            api_key_id: event.api_key_id.map(|id| id.to_string()),
            endpoint: storable(&event.endpoint),
            agent: storable_opt(event.agent.as_ref()),
            model: storable_opt(event.model.as_ref()),
            provider: storable_opt(event.provider.as_ref()),
            tokens_in: stored_count(event.tokens_in),
            tokens_out: stored_count(event.tokens_out),
            estimated: event.estimated,
            latency_ms: stored_count(event.latency_ms),
            status: i32::from(event.status),
            created_at: stored_time(event.at),
            day_key: Period::at(event.at).day_key(),
            // A run is a request that called a model: one a provider answered or failed on.
            runs: i32::from(event.provider.is_some()),
            reserved_tokens: stored_count(settlement.reserved),
            reservation_month: settlement.admitted_in.month_key(),
            cost_nanos: stored_count(event.cost_nanos),
        }
    }
}

struct PendingAdmission {
    period: Period,
    quota: Quota,
    reservation: Reservation,
    reply: oneshot::Sender<Shared<Admission>>,
}

struct PendingSettlement {
    event: EventRow,
    run: Option<RunRow>,
    turn: Option<TurnRows>,
    reply: oneshot::Sender<Shared<()>>,
}

/// Requests waiting for a statement, and whether one is being written for them.
struct Queue<T> {
    pending: Vec<T>,
    writing: bool,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue { pending: Vec::new(), writing: false }
    }
}

impl<T> Queue<T> {
    /// Queues `item`; `true` when nobody is writing, so the caller must start the writer.
    fn push(&mut self, item: T) -> bool {
        self.pending.push(item);
        !std::mem::replace(&mut self.writing, true)
    }

    /// The next group, or `None` (and the writer stops) when there is none.
    fn next(&mut self) -> Option<Vec<T>> {
        if self.pending.is_empty() {
            self.writing = false;
            None
        } else {
            Some(std::mem::take(&mut self.pending))
        }
    }

    /// A stopped writer's unfinished `group`, back at the front; `true` when a new writer must take the queue over.
    fn hand_back(&mut self, group: Vec<T>) -> bool {
        self.pending.splice(0..0, group);
        self.writing = !self.pending.is_empty();
        self.writing
    }
}

/// What a queue holds: how to reach its queue, and how to start a writer for it.
trait Queued: Sized + Send + 'static {
    type Key: Copy + Send + 'static;

    /// `f` of the queue of `key`.
    fn queue<R>(inner: &Inner, key: Self::Key, f: impl FnOnce(&mut Queue<Self>) -> R) -> R;

    /// A writer of the queue of `key`, its guard already made (a task dropped before it first runs hands over too).
    fn writer(inner: Arc<Inner>, key: Self::Key) -> BoxFuture<'static, ()>;
}

impl Queued for PendingAdmission {
    type Key = AccountId;

    fn queue<R>(inner: &Inner, key: AccountId, f: impl FnOnce(&mut Queue<Self>) -> R) -> R {
        f(locked(&inner.admissions).entry(key).or_default())
    }

    fn writer(inner: Arc<Inner>, key: AccountId) -> BoxFuture<'static, ()> {
        Box::pin(inner.clone().admit_all(Writer::new(inner, key)))
    }
}

impl Queued for PendingSettlement {
    type Key = ();

    fn queue<R>(inner: &Inner, (): (), f: impl FnOnce(&mut Queue<Self>) -> R) -> R {
        f(&mut locked(&inner.settlements))
    }

    fn writer(inner: Arc<Inner>, (): ()) -> BoxFuture<'static, ()> {
        Box::pin(inner.clone().settle_all(Writer::new(inner, ())))
    }
}

/// A queue's writer at work, holding the group it is writing until each request of it has its answer. Dropped
/// before it is done (its task's runtime stopped), it gives the group back and has a new writer take the queue
/// over on the background. A group written twice is harmless: a settlement's event (and run) is inserted only if
/// its id is new, and an admission counted twice errs on the side of the quota.
struct Writer<T: Queued> {
    inner: Arc<Inner>,
    key: T::Key,
    group: Vec<T>,
    done: bool,
}

impl<T: Queued> Writer<T> {
    fn new(inner: Arc<Inner>, key: T::Key) -> Self {
        Writer { inner, key, group: Vec::new(), done: false }
    }

    /// The queue is empty: the writer stops.
    fn finish(mut self) {
        self.done = true;
    }
}

impl<T: Queued> Drop for Writer<T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let group = std::mem::take(&mut self.group);
        if T::queue(&self.inner, self.key, |queue| queue.hand_back(group)) {
            tracing::warn!("a ledger writer stopped with requests waiting; another takes over");
            self.inner.background.spawn(T::writer(self.inner.clone(), self.key));
        }
    }
}

struct Inner {
    db: Db,
    /// Where a writer whose runtime stopped under it hands its queue over: the server's own runtime, tracked.
    background: Arc<dyn Background>,
    /// Where admissions are written: commits that need not wait for the disk (see `Db::relaxed`).
    admissions_db: Db,
    admissions: Mutex<HashMap<AccountId, Queue<PendingAdmission>>>,
    settlements: Mutex<Queue<PendingSettlement>>,
}

/// The usage ledger in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct LedgerStore {
    inner: Arc<Inner>,
}

impl LedgerStore {
    /// Settlements and reports go to `db`; admissions to `admissions_db` (`db.relaxed(...)`, or `db` itself). A
    /// writer stopped by its runtime hands over to a writer on `background`, which shutdown waits for.
    #[must_use]
    pub fn new(db: Db, admissions_db: Db, background: Arc<dyn Background>) -> Self {
        let inner =
            Inner { db, background, admissions_db, admissions: Mutex::default(), settlements: Mutex::default() };
        Self { inner: Arc::new(inner) }
    }
}

impl Inner {
    /// Writes the tenant's waiting admissions, group after group, until none is left.
    async fn admit_all(self: Arc<Self>, mut writer: Writer<PendingAdmission>) {
        let account = writer.key;
        loop {
            let group = {
                let mut queues = locked(&self.admissions);
                let next = queues.get_mut(&account).and_then(Queue::next);
                if next.is_none() {
                    queues.remove(&account);
                }
                next
            };
            let Some(group) = group else { return writer.finish() };
            writer.group = group;
            self.admit_group(account, &mut writer.group).await;
        }
    }

    /// Admits a group: runs of requests under the same period and quota are tried together first. Each request
    /// leaves the group once it has its answer.
    async fn admit_group(&self, account: AccountId, group: &mut Vec<PendingAdmission>) {
        while !group.is_empty() {
            let same = group.iter().take_while(|p| p.period == group[0].period && p.quota == group[0].quota).count();
            self.admit_run(account, group, same).await;
        }
    }

    /// Admits the first `len` requests of `group`, and answers them.
    async fn admit_run(&self, account: AccountId, group: &mut Vec<PendingAdmission>, len: usize) {
        let (period, quota) = (group[0].period, group[0].quota);
        let reservations: Vec<Reservation> = group[..len].iter().map(|p| p.reservation).collect();
        let reserves: Vec<u64> = reservations.iter().map(|r| r.tokens).collect();
        let outcome = match self.admit_many(account, &period, &quota, 1, &reservations).await {
            Ok(Some(after)) => Ok(spread(after, &reserves).into_iter().map(Admission::Admitted).collect()),
            Ok(None) if len > 1 => self.admit_one_by_one(account, &period, &quota, &reservations).await,
            Ok(None) => self.current(account, &period).await.map(|now| vec![Admission::Refused(now)]),
            Err(err) => Err(err),
        };
        let run = group.drain(..len);
        match outcome {
            Ok(admissions) => {
                for (pending, admission) in run.into_iter().zip(admissions) {
                    let _ = pending.reply.send(Ok(admission));
                }
            }
            Err(err) => {
                let message = shared_error(&err);
                for pending in run {
                    let _ = pending.reply.send(Err(message.clone()));
                }
            }
        }
    }

    /// The group did not fit as a whole: each request on its own, in order, so every one that fits is admitted.
    async fn admit_one_by_one(
        &self,
        account: AccountId,
        period: &Period,
        quota: &Quota,
        reservations: &[Reservation],
    ) -> Result<Vec<Admission>, RepoError> {
        let mut admissions = Vec::with_capacity(reservations.len());
        for reservation in reservations {
            admissions.push(
                match self.admit_many(account, period, quota, 1, std::slice::from_ref(reservation)).await? {
                    Some(counters) => Admission::Admitted(counters),
                    None => Admission::Refused(self.current(account, period).await?),
                },
            );
        }
        Ok(admissions)
    }

    /// Counts `requests` requests for each of `reservations` and keeps the reservations, in one statement (one
    /// transaction on SQLite), or nothing when a limit would not hold; the counters after.
    async fn admit_many(
        &self,
        account: AccountId,
        period: &Period,
        quota: &Quota,
        requests: usize,
        reservations: &[Reservation],
    ) -> Result<Option<Counters>, RepoError> {
        let reserved = reservations.iter().map(|r| r.tokens).sum();
        let query = AdmitQuery::new(account, period, quota, requests * reservations.len(), reserved);
        let leases: Vec<(String, i64)> =
            reservations.iter().map(|r| (r.id.to_string(), stored_count(r.tokens))).collect();
        let expires_at = reservations.iter().map(|r| r.expires_at).max().map_or_else(Default::default, stored_time);
        let keeps_nothing = leases.iter().all(|(_, tokens)| *tokens == 0);
        let row: Option<CounterRow> = with_conn!(&self.admissions_db, |conn| {
            // Nothing to keep: the admission alone, the cheaper statement on either backend.
            let admitted = if keeps_nothing {
                query.get_result(conn).await.optional()
            } else {
                conn.admit_leasing(query, &leases, expires_at).await
            };
            admitted.map_err(query_error)?
        });
        Ok(row.map(Counters::from))
    }

    async fn current(&self, account: AccountId, period: &Period) -> Result<Counters, RepoError> {
        let query = CurrentQuery::new(account, period);
        let row: Option<CounterRow> =
            with_conn!(&self.db, |conn| query.get_result(conn).await.optional().map_err(query_error)?);
        row.map(Counters::from)
            .ok_or_else(|| RepoError::Unexpected(anyhow::anyhow!("account {account} has no quota counters")))
    }

    /// Writes the waiting settlements, a transaction per group, until none is left.
    async fn settle_all(self: Arc<Self>, mut writer: Writer<PendingSettlement>) {
        loop {
            let next = locked(&self.settlements).next();
            let Some(group) = next else { return writer.finish() };
            writer.group = group;
            match self.write(&writer.group).await {
                Err(_) if writer.group.len() > 1 => self.write_one_by_one(&mut writer.group).await,
                result => reply_all(std::mem::take(&mut writer.group), result.map_err(|err| shared_error(&err))),
            }
        }
    }

    /// A group that failed as a whole is written one settlement at a time, so one bad row fails only its request.
    /// Each leaves the group once it has its answer.
    async fn write_one_by_one(&self, group: &mut Vec<PendingSettlement>) {
        while let Some(first) = <[PendingSettlement]>::first(group) {
            let result = self.write(std::slice::from_ref(first)).await.map_err(|err| shared_error(&err));
            let _ = group.remove(0).reply.send(result);
        }
    }

    /// The runs, conversation turns and events of `group` in one transaction; with only events, in one statement
    /// (atomic on its own, trigger included), which saves the round trips of an explicit transaction.
    async fn write(&self, group: &[PendingSettlement]) -> Result<(), RepoError> {
        let runs: Vec<&RunRow> = group.iter().filter_map(|p| p.run.as_ref()).collect();
        let events: Vec<&EventRow> = group.iter().map(|p| &p.event).collect();
        let turns = group.iter().filter_map(|p| p.turn.as_ref());
        let has_turns = group.iter().any(|p| p.turn.is_some());
        with_conn!(&self.db, |conn: Conn| {
            let one_statement = events.len() == 1 || (Conn::ONE_STATEMENT && events.len() <= MAX_ROWS_PER_STATEMENT);
            if runs.is_empty() && !has_turns && one_statement {
                return conn.insert_events(&events).await.map_err(query_error);
            }
            in_transaction!(conn: Conn, {
                for chunk in runs.chunks(MAX_ROWS_PER_STATEMENT) {
                    conn.insert_runs(chunk).await?;
                }
                let mut inserted = Vec::new();
                for chunk in events.chunks(MAX_ROWS_PER_STATEMENT) {
                    inserted.extend(conn.insert_new_events(chunk).await?);
                }
                if has_turns {
                    // Only the turns of events this statement recorded: a group written twice keeps each once.
                    write_turns!(conn, turns.clone().filter(|turn| inserted.contains(&turn.event_id)));
                }
                Ok(())
            })
            .map_err(query_error)
        })
    }
}

/// How each backend inserts a group of rows: PostgreSQL in one statement (its settlement trigger then runs once for
/// them all), SQLite a row at a time (it is local, and diesel writes multi-row inserts only for PostgreSQL).
trait InsertRows {
    /// Whether `insert_events` writes a group in one statement (atomic without a transaction).
    const ONE_STATEMENT: bool;

    async fn insert_events(&mut self, rows: &[&EventRow]) -> diesel::QueryResult<()>;
    /// Inserts the events not recorded yet: the ids of those it inserted.
    async fn insert_new_events(&mut self, rows: &[&EventRow]) -> diesel::QueryResult<Vec<String>>;
    async fn insert_runs(&mut self, rows: &[&RunRow]) -> diesel::QueryResult<()>;
}

impl InsertRows for diesel_async::AsyncPgConnection {
    const ONE_STATEMENT: bool = true;

    async fn insert_events(&mut self, rows: &[&EventRow]) -> diesel::QueryResult<()> {
        diesel::insert_into(usage_events::table)
            .values(rows.to_vec())
            .on_conflict_do_nothing()
            .execute(self)
            .await
            .map(drop)
    }

    async fn insert_new_events(&mut self, rows: &[&EventRow]) -> diesel::QueryResult<Vec<String>> {
        diesel::insert_into(usage_events::table)
            .values(rows.to_vec())
            .on_conflict_do_nothing()
            .returning(usage_events::id)
            .get_results(self)
            .await
    }

    async fn insert_runs(&mut self, rows: &[&RunRow]) -> diesel::QueryResult<()> {
        diesel::insert_into(runs::table).values(rows.to_vec()).on_conflict_do_nothing().execute(self).await.map(drop)
    }
}

impl InsertRows for crate::db::SqliteConn {
    const ONE_STATEMENT: bool = false;

    async fn insert_events(&mut self, rows: &[&EventRow]) -> diesel::QueryResult<()> {
        for row in rows {
            diesel::insert_into(usage_events::table).values(*row).on_conflict_do_nothing().execute(self).await?;
        }
        Ok(())
    }

    async fn insert_new_events(&mut self, rows: &[&EventRow]) -> diesel::QueryResult<Vec<String>> {
        let mut inserted = Vec::new();
        for row in rows {
            let new =
                diesel::insert_into(usage_events::table).values(*row).on_conflict_do_nothing().execute(self).await?;
            if new == 1 {
                inserted.push(row.id.clone());
            }
        }
        Ok(inserted)
    }

    async fn insert_runs(&mut self, rows: &[&RunRow]) -> diesel::QueryResult<()> {
        for row in rows {
            diesel::insert_into(runs::table).values(*row).on_conflict_do_nothing().execute(self).await?;
        }
        Ok(())
    }
}

/// How each backend admits and keeps the reservations: PostgreSQL in one statement, SQLite in one transaction (it
/// is local, and has no statements that modify in a `WITH`).
trait Leasing {
    async fn admit_leasing(
        &mut self,
        query: AdmitQuery,
        leases: &[(String, i64)],
        expires_at: NaiveDateTime,
    ) -> diesel::QueryResult<Option<CounterRow>>;
}

impl Leasing for diesel_async::AsyncPgConnection {
    async fn admit_leasing(
        &mut self,
        query: AdmitQuery,
        leases: &[(String, i64)],
        expires_at: NaiveDateTime,
    ) -> diesel::QueryResult<Option<CounterRow>> {
        LeasingAdmitQuery::new(query, leases, expires_at).get_result(self).await.optional()
    }
}

impl Leasing for crate::db::SqliteConn {
    async fn admit_leasing(
        &mut self,
        query: AdmitQuery,
        leases: &[(String, i64)],
        expires_at: NaiveDateTime,
    ) -> diesel::QueryResult<Option<CounterRow>> {
        sqlite_admit_leasing(self, query, leases, expires_at).await
    }
}

async fn sqlite_admit_leasing(
    conn: &mut crate::db::SqliteConn,
    query: AdmitQuery,
    leases: &[(String, i64)],
    expires_at: NaiveDateTime,
) -> diesel::QueryResult<Option<CounterRow>> {
    let (account, month_key) = (query.tenant().to_owned(), query.month().to_owned());
    in_transaction!(conn: crate::db::SqliteConn, {
        let admitted: Option<CounterRow> = query.get_result(conn).await.optional()?;
        if admitted.is_some() {
            for (id, tokens) in leases.iter().filter(|(_, tokens)| *tokens > 0) {
                let row = (
                    reservations::id.eq(id),
                    reservations::tenant_id.eq(&account),
                    reservations::month_key.eq(&month_key),
                    reservations::tokens.eq(tokens),
                    reservations::expires_at.eq(expires_at),
                );
                diesel::insert_into(reservations::table)
                    .values(row)
                    .on_conflict(reservations::id)
                    .do_update()
                    .set(reservations::tokens.eq(reservations::tokens + excluded(reservations::tokens)))
                    .execute(conn)
                    .await?;
            }
        }
        Ok(admitted)
    })
}

/// Released tokens summed per tenant and month.
fn by_month(released: &[(String, String, i64)]) -> HashMap<(&str, &str), i64> {
    let mut sums = HashMap::new();
    for (tenant, month, tokens) in released {
        *sums.entry((tenant.as_str(), month.as_str())).or_insert(0) += tokens;
    }
    sums
}

/// A day's figures as `usage_daily` holds them: the day, runs, tokens, calls, cost.
type DayRow = (String, i64, i64, i64, i64);

const DAY_COLUMNS: (
    usage_daily::day_key,
    usage_daily::runs,
    usage_daily::tokens,
    usage_daily::api_calls,
    usage_daily::cost_nanos,
) = (usage_daily::day_key, usage_daily::runs, usage_daily::tokens, usage_daily::api_calls, usage_daily::cost_nanos);

fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn daily_usage((date, runs, tokens, api_calls, cost): DayRow) -> Result<DailyUsage, RepoError> {
    Ok(DailyUsage {
        date: parse_stored("usage day", NaiveDate::parse_from_str(&date, "%Y-%m-%d"))?,
        runs: count(runs),
        tokens: count(tokens),
        api_calls: count(api_calls),
        cost_nanos: count(cost),
    })
}

fn reply_all(group: Vec<PendingSettlement>, result: Shared<()>) {
    for pending in group {
        let _ = pending.reply.send(result.clone());
    }
}

/// Each request's counters when `after` counts them all: the i-th sees the requests and reservations up to it.
fn spread(after: Counters, reserves: &[u64]) -> Vec<Counters> {
    let n = reserves.len() as u64;
    let mut later_reserved: u64 = reserves.iter().sum();
    reserves
        .iter()
        .zip(1..)
        .map(|(reserve, i)| {
            later_reserved -= reserve;
            Counters {
                day_requests: after.day_requests - (n - i),
                month_requests: after.month_requests - (n - i),
                month_tokens: after.month_tokens,
                month_reserved: after.month_reserved - later_reserved,
                month_cost_nanos: after.month_cost_nanos,
            }
        })
        .collect()
}

#[async_trait]
impl UsageLedger for LedgerStore {
    async fn admit(
        &self,
        account: AccountId,
        period: &Period,
        quota: &Quota,
        reservation: &Reservation,
    ) -> Result<Admission, RepoError> {
        let (reply, answer) = oneshot::channel();
        let pending = PendingAdmission { period: *period, quota: *quota, reservation: *reservation, reply };
        if locked(&self.inner.admissions).entry(account).or_default().push(pending) {
            tokio::spawn(PendingAdmission::writer(self.inner.clone(), account));
        }
        from_shared(answer.await)
    }

    async fn reserve(
        &self,
        account: AccountId,
        period: &Period,
        quota: &Quota,
        reservation: &Reservation,
    ) -> Result<Admission, RepoError> {
        let reservations = std::slice::from_ref(reservation);
        match self.inner.admit_many(account, period, quota, 0, reservations).await? {
            Some(counters) => Ok(Admission::Admitted(counters)),
            None => Ok(Admission::Refused(self.inner.current(account, period).await?)),
        }
    }

    async fn expire(&self, now: DateTime<Utc>, account: Option<AccountId>) -> Result<u64, RepoError> {
        let (now, tenant) = (stored_time(now), account.map(|id| id.to_string()));
        let released: Vec<(String, String, i64)> = with_conn!(&self.inner.admissions_db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                let expired = reservations::table.filter(reservations::expires_at.le(now));
                let columns = (reservations::tenant_id, reservations::month_key, reservations::tokens);
                let released: Vec<(String, String, i64)> = match &tenant {
                    Some(tenant) => {
                        let of_tenant = expired.filter(reservations::tenant_id.eq(tenant));
                        diesel::delete(of_tenant).returning(columns).get_results(conn).await?
                    }
                    None => diesel::delete(expired).returning(columns).get_results(conn).await?,
                };
                for ((tenant, month), tokens) in by_month(&released) {
                    let counters = tenant_quotas::table
                        .filter(tenant_quotas::tenant_id.eq(tenant).and(tenant_quotas::month_key.eq(month)));
                    diesel::update(counters)
                        .set(tenant_quotas::month_reserved.eq(tenant_quotas::month_reserved - tokens))
                        .execute(conn)
                        .await?;
                }
                Ok(released)
            })
            .map_err(query_error)
        })?;
        let tokens = released.iter().map(|(_, _, tokens)| count(*tokens)).sum();
        if tokens > 0 {
            tracing::warn!(
                reservations = released.len(),
                tokens,
                "released expired reservations of unrecorded requests"
            );
        }
        Ok(tokens)
    }

    async fn settle(&self, settlement: &Settlement) -> Result<(), RepoError> {
        let run = settlement.run.as_ref().map(RunRow::try_from).transpose()?;
        let (reply, answer) = oneshot::channel();
        let event = EventRow::from(settlement);
        let turn = settlement.turn.as_ref().map(|turn| TurnRows::new(event.id.clone(), turn));
        let pending = PendingSettlement { event, run, turn, reply };
        if locked(&self.inner.settlements).push(pending) {
            tokio::spawn(PendingSettlement::writer(self.inner.clone(), ()));
        }
        from_shared(answer.await)
    }

    async fn month(&self, account: AccountId, period: &Period) -> Result<MonthlyUsage, RepoError> {
        let counters = self.inner.current(account, period).await.unwrap_or_default();
        let first = period.month_start().date_naive();
        let daily = self.days(account, first, period.month_end().date_naive()).await?;
        let runs = daily.iter().map(|d| d.runs).sum();
        let cost_nanos = daily.iter().map(|d| d.cost_nanos).sum();
        Ok(MonthlyUsage { counters, runs, cost_nanos, daily })
    }

    async fn days(&self, account: AccountId, first: NaiveDate, last: NaiveDate) -> Result<Vec<DailyUsage>, RepoError> {
        let tenant = account.to_string();
        let (first, last) = (day_key(first), day_key(last));
        let days: Vec<DayRow> = with_conn!(&self.inner.db, |conn| {
            usage_daily::table
                .filter(usage_daily::tenant_id.eq(&tenant))
                .filter(usage_daily::day_key.ge(&first).and(usage_daily::day_key.le(&last)))
                .order(usage_daily::day_key.desc())
                .select(DAY_COLUMNS)
                .load(conn)
                .await
                .map_err(query_error)?
        });
        days.into_iter().map(daily_usage).collect()
    }

    async fn platform_day(&self, day: NaiveDate) -> Result<DailyUsage, RepoError> {
        let key = day_key(day);
        let total = |column: &str| format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)");
        let (runs, tokens, api_calls, cost): (i64, i64, i64, i64) = with_conn!(&self.inner.db, |conn| {
            usage_daily::table
                .filter(usage_daily::day_key.eq(&key))
                .select((
                    sql::<BigInt>(&total("runs")),
                    sql::<BigInt>(&total("tokens")),
                    sql::<BigInt>(&total("api_calls")),
                    sql::<BigInt>(&total("cost_nanos")),
                ))
                .get_result(conn)
                .await
                .map_err(query_error)?
        });
        Ok(DailyUsage {
            date: day,
            runs: count(runs),
            tokens: count(tokens),
            api_calls: count(api_calls),
            cost_nanos: count(cost),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_request_of_a_group_sees_the_counts_up_to_itself() {
        let after =
            Counters { day_requests: 10, month_requests: 30, month_tokens: 5, month_reserved: 60, month_cost_nanos: 0 };
        let each = spread(after, &[10, 20, 30]);
        assert_eq!(
            each.iter().map(|c| (c.day_requests, c.month_reserved)).collect::<Vec<_>>(),
            [(8, 10), (9, 30), (10, 60)]
        );
        assert_eq!(spread(after, &[7]), [after]);
    }
}
