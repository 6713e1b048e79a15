//! The metered path every client request takes: admit the caller with the request's token reservation, run the
//! work, settle it whatever the outcome, and hand back the value with its quota headers. A stream settles itself
//! when it ends, or, when the client goes away first, in the background. An admitted request whose work is
//! dropped (the client closed the connection) is recorded in the background as abandoned, with status 499, so
//! its reservation is always released. Background records are tracked, and the path counts the requests it has
//! admitted and not yet recorded: shutdown waits until none is left.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use ares_domain::ProviderName;
use ares_domain::quota::QuotaHeaders;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use super::caller::Caller;
use super::metering::{Budget, Metering, MeteringError, Record, Ticket};
use super::router::{RouteError, Routed};
use crate::ports::{Background, ChatStream, FinishReason, StreamEvent, Usage};

/// The status an abandoned request is recorded with (the client closed the connection first).
pub const CLIENT_CLOSED: u16 = 499;
/// The status of a stream that failed after it started.
const STREAM_FAILED: u16 = 502;
/// How often a record is tried in the background: the record of an abandoned request, or one whose first try
/// failed. They pile up at shutdown, when the pooled connections of the HTTP workers stop with them: a failed try
/// takes another connection. A record is written once however often it is tried (its event id is fixed).
const BACKGROUND_ATTEMPTS: usize = 5;

/// One metered request: who makes it, to which endpoint (`"POST /v1/chat"`, from the route that took it), and
/// whether the payer's limits may refuse it (not when it only tells a limited client why: its usage, its keys).
#[derive(Debug, Clone)]
pub struct Call {
    pub caller: Caller,
    pub endpoint: String,
    pub refusable: bool,
}

/// A value with the quota headers to answer it with.
#[derive(Debug)]
pub struct Metered<T> {
    pub value: T,
    pub quota: QuotaHeaders,
}

/// What the work of a metered request ended with: its value, the status it is answered with, what to record.
#[derive(Debug)]
pub struct Finished<T> {
    pub value: T,
    pub status: u16,
    pub record: Record,
}

/// Admission, work, settlement.
pub struct MeteredPath {
    metering: Arc<Metering>,
    background: Arc<dyn Background>,
    unsettled: Arc<AtomicUsize>,
}

impl MeteredPath {
    #[must_use]
    pub fn new(metering: Arc<Metering>, background: Arc<dyn Background>) -> Self {
        MeteredPath { metering, background, unsettled: Arc::default() }
    }

    /// How many admitted requests are not recorded yet (in flight, or being recorded in the background).
    #[must_use]
    pub fn unsettled(&self) -> usize {
        self.unsettled.load(Ordering::Acquire)
    }

    /// Admits `call` reserving `reserve` tokens, runs `work` with the request's budget, records what it did, and
    /// returns its value with the quota headers.
    ///
    /// # Errors
    /// `Exceeded` when a tier limit refuses the request (no work is done); `Unexpected` when the store cannot
    /// admit or record it (the value must then not be acknowledged).
    pub async fn run<T, F, W>(&self, call: Call, reserve: u64, work: W) -> Result<Metered<T>, MeteringError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Finished<T>>,
    {
        let admission = self.admit(call, reserve).await?;
        let finished = work(admission.budget()).await;
        let quota = admission.settle(finished.status, finished.record).await?;
        Ok(Metered { value: finished.value, quota })
    }

    /// Admits `call`, starts the stream `start` returns, and hands it back metered: it records itself when it
    /// ends, or in the background when it is dropped first. A stream that cannot start is recorded at once with
    /// the status `status_of` gives its error, and the error is handed back. `record` says what was asked for;
    /// `prompt_chars` sizes the estimate when no usage comes.
    ///
    /// # Errors
    /// As `run`.
    pub async fn stream<F, W>(
        &self,
        call: Call,
        reserve: u64,
        record: Record,
        prompt_chars: usize,
        start: W,
        status_of: impl FnOnce(&RouteError) -> u16,
    ) -> Result<Metered<Result<MeteredStream, RouteError>>, MeteringError>
    where
        W: FnOnce(Budget) -> F,
        F: Future<Output = Result<Routed<ChatStream>, RouteError>>,
    {
        let admission = self.admit(call, reserve).await?;
        match start(admission.budget()).await {
            Err(err) => {
                let quota = admission.settle(status_of(&err), record.failed_on(&err)).await?;
                Ok(Metered { value: Err(err), quota })
            }
            Ok(routed) => {
                let quota = self.metering.headers(&admission.ticket);
                let stream = MeteredStream::new(admission, routed, record, prompt_chars);
                Ok(Metered { value: Ok(stream), quota })
            }
        }
    }

    async fn admit(&self, call: Call, reserve: u64) -> Result<Admission, MeteringError> {
        let ticket = if call.refusable {
            self.metering.admit(&call.caller, reserve).await?
        } else {
            self.metering.count(&call.caller).await?
        };
        Ok(Admission {
            ticket,
            settled: false,
            abandoned: Record::default(),
            endpoint: call.endpoint,
            metering: self.metering.clone(),
            background: self.background.clone(),
            unsettled: Some(Unsettled::count(&self.unsettled)),
        })
    }
}

/// One admitted request in `MeteredPath::unsettled`, until it is dropped.
struct Unsettled(Arc<AtomicUsize>);

impl Unsettled {
    fn count(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::AcqRel);
        Unsettled(counter.clone())
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An admitted request not yet recorded. Dropped unrecorded, it records itself in the background as abandoned.
struct Admission {
    ticket: Ticket,
    /// Set once its record is handed to the ledger.
    settled: bool,
    /// What to record should it be abandoned: what it did so far, as far as it is known.
    abandoned: Record,
    endpoint: String,
    metering: Arc<Metering>,
    background: Arc<dyn Background>,
    /// Counted until its record is written.
    unsettled: Option<Unsettled>,
}

impl Admission {
    fn budget(&self) -> Budget {
        self.metering.budget(&self.ticket)
    }

    /// Records the request. A record that fails is tried again in the background (the request is still answered
    /// with the failure: it is not acknowledged).
    async fn settle(mut self, status: u16, record: Record) -> Result<QuotaHeaders, MeteringError> {
        self.settled = true;
        let result = self.metering.settle(&self.ticket, &self.endpoint, status, record.clone()).await;
        if result.is_err() {
            self.record_later(status, record);
        }
        result
    }

    /// Records the request in the background, counted as unsettled until it is written.
    fn record_later(&mut self, status: u16, record: Record) {
        let (metering, ticket) = (self.metering.clone(), self.ticket.clone());
        let (endpoint, unsettled) = (std::mem::take(&mut self.endpoint), self.unsettled.take());
        self.background.spawn(Box::pin(async move {
            for attempt in 1..=BACKGROUND_ATTEMPTS {
                match metering.settle(&ticket, &endpoint, status, record.clone()).await {
                    Ok(_) => break,
                    Err(err) if attempt == BACKGROUND_ATTEMPTS => {
                        metering.counters().dropped.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(error = %err, status, "cannot record a request: its record is lost");
                    }
                    Err(err) => tracing::debug!(error = %err, attempt, "recording a request: trying again"),
                }
            }
            drop(unsettled);
        }));
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if !self.settled {
            let abandoned = std::mem::take(&mut self.abandoned);
            self.record_later(CLIENT_CLOSED, abandoned);
        }
    }
}

/// A piece of a metered stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Streamed {
    /// Answer text, or a fragment of a tool call the model made (`StreamEvent::Text` / `ToolCall`).
    Event(StreamEvent),
    /// The last item, sent once the request is recorded.
    End(StreamEnd),
}

/// How a stream ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEnd {
    pub finish: FinishReason,
    pub usage: Usage,
    /// Why it failed: the provider's failure, or `Internal server error` when it could not be recorded.
    pub error: Option<String>,
}

/// A routed stream that records itself when it ends.
pub struct MeteredStream {
    /// The model that answers, and its provider.
    pub model: String,
    pub provider: String,
    events: BoxStream<'static, Streamed>,
}

/// What a metered stream has seen so far.
struct Tally {
    admission: Admission,
    record: Record,
    prompt_chars: usize,
    completion_chars: usize,
    finish: FinishReason,
    usage: Option<Usage>,
}

impl MeteredStream {
    fn new(mut admission: Admission, routed: Routed<ChatStream>, mut record: Record, prompt_chars: usize) -> Self {
        let Routed { value: inner, model, provider } = routed;
        record.model = Some(model.clone());
        record.provider = Some(provider.to_string());
        admission.abandoned = Record { usage: Usage::estimate(prompt_chars, 0), ..record.clone() };
        let tally =
            Tally { admission, record, prompt_chars, completion_chars: 0, finish: FinishReason::Stop, usage: None };
        let name = provider.to_string();
        let events = futures_util::stream::unfold(Some((inner, tally)), move |state| {
            let provider = provider.clone();
            async move { next(state?, provider).await }
        });
        MeteredStream { model, provider: name, events: events.boxed() }
    }
}

type Relay = (ChatStream, Tally);

/// The next item of a metered stream, and what is left of it.
async fn next(relay: Relay, provider: ProviderName) -> Option<(Streamed, Option<Relay>)> {
    let (mut inner, mut tally) = relay;
    loop {
        match inner.next().await {
            Some(Ok(StreamEvent::Finish(reason))) => tally.finish = reason,
            Some(Ok(StreamEvent::Usage(usage))) => tally.usage = Some(usage),
            Some(Ok(event)) => {
                tally.count(&event);
                return Some((Streamed::Event(event), Some((inner, tally))));
            }
            Some(Err(error)) => {
                let error = RouteError::Failed { provider: provider.clone(), error }.to_string();
                return Some((Streamed::End(tally.end(Some(error)).await), None));
            }
            None => return Some((Streamed::End(tally.end(None).await), None)),
        }
    }
}

impl Stream for MeteredStream {
    type Item = Streamed;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Streamed>> {
        self.events.poll_next_unpin(cx)
    }
}

impl Tally {
    /// Counts what the client was sent, and keeps its text for the conversation, so an abandoned stream is
    /// recorded with it.
    fn count(&mut self, event: &StreamEvent) {
        if let StreamEvent::Text(text) = event {
            for record in [&mut self.record, &mut self.admission.abandoned] {
                if let Some(turn) = &mut record.turn {
                    turn.assistant.push_str(text);
                }
            }
        }
        self.completion_chars += match event {
            StreamEvent::Text(text) => text.len(),
            StreamEvent::ToolCall { arguments, .. } => arguments.len(),
            StreamEvent::Finish(_) | StreamEvent::Usage(_) => 0,
        };
        self.admission.abandoned.usage = Usage::estimate(self.prompt_chars, self.completion_chars);
    }

    /// Records the stream, then says how it ended.
    async fn end(self, error: Option<String>) -> StreamEnd {
        let usage = self.usage.unwrap_or_else(|| Usage::estimate(self.prompt_chars, self.completion_chars));
        let status = if error.is_some() { STREAM_FAILED } else { 200 };
        let record = Record { usage, ..self.record };
        let error = match self.admission.settle(status, record).await {
            Ok(_) => error,
            Err(err) => {
                tracing::error!(error.cause_chain = ?err, "cannot record a streamed answer");
                Some("Internal server error".to_owned())
            }
        };
        let finish = if error.is_some() { FinishReason::Other("error".to_owned()) } else { self.finish };
        StreamEnd { finish, usage, error }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use ares_domain::{ApiKeyId, Counters, ProviderName, TenantId, Tier, TierQuotas};
    use chrono::{TimeZone, Utc};
    use futures_util::future::BoxFuture;

    use super::*;
    use crate::ports::{Admission, MockBackground, MockClock, MockUsageLedger, ProviderError, RepoError, Settlement};

    /// The settlements the ledger was handed.
    type Settled = Arc<Mutex<Vec<Settlement>>>;
    /// The tasks handed to the background.
    type Spawned = Arc<Mutex<Vec<BoxFuture<'static, ()>>>>;

    fn ledger(admits: bool) -> (MockUsageLedger, Settled) {
        let mut ledger = MockUsageLedger::new();
        ledger.expect_admit().returning(move |_, _, _, reservation| {
            let reserved = reservation.tokens;
            let counters = Counters {
                day_requests: 1,
                month_requests: 1,
                month_tokens: 0,
                month_reserved: reserved,
                month_cost_nanos: 0,
            };
            Ok(if admits {
                Admission::Admitted(counters)
            } else {
                Admission::Refused(Counters { day_requests: 100, ..Counters::default() })
            })
        });
        let settled = Settled::default();
        let log = settled.clone();
        ledger.expect_settle().returning(move |s| {
            log.lock().unwrap().push(s.clone());
            Ok(())
        });
        (ledger, settled)
    }

    fn path(ledger: MockUsageLedger) -> (MeteredPath, Spawned) {
        let mut clock = MockClock::new();
        clock.expect_now().returning(|| Utc.with_ymd_and_hms(2026, 3, 13, 12, 0, 0).unwrap());
        let metering = Arc::new(Metering::new(Arc::new(ledger), TierQuotas::default(), Arc::new(clock)));
        let spawned = Spawned::default();
        let mut background = MockBackground::new();
        let tasks = spawned.clone();
        background.expect_spawn().returning(move |task| tasks.lock().unwrap().push(task));
        (MeteredPath::new(metering, Arc::new(background)), spawned)
    }

    fn call(tier: Tier) -> Call {
        Call {
            caller: Caller::api_key(TenantId::new(), ApiKeyId::new(), tier),
            endpoint: "POST /v1/chat".into(),
            refusable: true,
        }
    }

    fn usage(prompt: u64, completion: u64) -> Usage {
        Usage { prompt_tokens: prompt, completion_tokens: completion, estimated: false }
    }

    #[tokio::test]
    async fn a_request_is_admitted_run_and_recorded_with_its_status_before_it_is_answered() {
        let (ledger, settled) = ledger(true);
        let (meter, _) = path(ledger);
        let record = Record { model: Some("fast".into()), usage: usage(30, 12), ..Record::default() };
        let metered = meter
            .run(call(Tier::Pro), 500, |_| async { Finished { value: "answer", status: 201, record } })
            .await
            .unwrap();
        assert_eq!((metered.value, meter.unsettled()), ("answer", 0));
        assert_eq!(metered.quota.tokens_remaining, Some(10_000_000 - 42), "its own reservation replaced by its use");
        let settled = settled.lock().unwrap();
        let event = &settled[0].event;
        assert_eq!((event.status, event.endpoint.as_str(), event.tokens()), (201, "POST /v1/chat", 42));
        assert_eq!(settled[0].reserved, 500);
    }

    #[tokio::test]
    async fn a_refused_request_does_no_work_and_records_nothing() {
        let (ledger, settled) = ledger(false);
        let (meter, _) = path(ledger);
        let worked = Arc::new(Mutex::new(false));
        let flag = worked.clone();
        let refused = meter
            .run(call(Tier::Free), 10, |_| async move {
                *flag.lock().unwrap() = true;
                Finished { value: (), status: 200, record: Record::default() }
            })
            .await
            .unwrap_err();
        assert_eq!(refused.to_string(), "Daily request limit reached for your tier");
        assert!(!*worked.lock().unwrap());
        assert!(settled.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_request_whose_client_goes_away_is_recorded_in_the_background_as_abandoned() {
        let (ledger, settled) = ledger(true);
        let (meter, spawned) = path(ledger);
        let work = meter.run(call(Tier::Pro), 77, |_| std::future::pending::<Finished<()>>());
        assert!(tokio::time::timeout(Duration::from_millis(20), work).await.is_err(), "the client left first");
        assert!(settled.lock().unwrap().is_empty(), "not on the dropped request's path");
        assert_eq!(meter.unsettled(), 1, "counted until recorded");
        let task = spawned.lock().unwrap().pop().expect("a background record");
        task.await;
        assert_eq!(meter.unsettled(), 0);
        let settled = settled.lock().unwrap();
        assert_eq!((settled[0].event.status, settled[0].reserved), (CLIENT_CLOSED, 77), "the reservation is released");
    }

    #[tokio::test]
    async fn the_record_of_an_abandoned_request_is_tried_again_when_the_store_fails() {
        let mut ledger = MockUsageLedger::new();
        ledger.expect_admit().returning(|_, _, _, _| Ok(Admission::Admitted(Counters::default())));
        let mut failures = 2;
        ledger.expect_settle().times(3).returning(move |_| {
            failures -= 1;
            if failures >= 0 { Err(RepoError::Unexpected(anyhow::anyhow!("connection closed"))) } else { Ok(()) }
        });
        let (meter, spawned) = path(ledger);
        let work = meter.run(call(Tier::Pro), 5, |_| std::future::pending::<Finished<()>>());
        assert!(tokio::time::timeout(Duration::from_millis(20), work).await.is_err());
        let task = spawned.lock().unwrap().pop().expect("a background record");
        task.await;
        assert_eq!(meter.unsettled(), 0);
    }

    #[tokio::test]
    async fn a_record_that_fails_is_not_acknowledged_and_is_tried_again_with_the_same_event() {
        let mut ledger = MockUsageLedger::new();
        ledger.expect_admit().returning(|_, _, _, _| Ok(Admission::Admitted(Counters::default())));
        let ids = Arc::new(Mutex::new(Vec::new()));
        let seen = ids.clone();
        ledger.expect_settle().times(2).returning(move |s| {
            let mut seen = seen.lock().unwrap();
            seen.push(s.event.id);
            if seen.len() == 1 { Err(RepoError::Unexpected(anyhow::anyhow!("connection closed"))) } else { Ok(()) }
        });
        let (meter, spawned) = path(ledger);
        let answered =
            meter.run(call(Tier::Pro), 5, |_| async { Finished { value: (), status: 200, record: Record::default() } });
        assert!(answered.await.is_err(), "not acknowledged");
        assert_eq!(meter.unsettled(), 1);
        let task = spawned.lock().unwrap().pop().expect("a background record");
        task.await;
        let ids = ids.lock().unwrap();
        assert_eq!((ids.len(), ids[0] == ids[1], meter.unsettled()), (2, true, 0));
    }

    fn routed(events: Vec<StreamEvent>) -> Routed<ChatStream> {
        let stream = futures_util::stream::iter(events.into_iter().map(Ok)).boxed();
        Routed { value: stream, model: "fast".into(), provider: ProviderName::parse("groq").unwrap() }
    }

    async fn started(meter: &MeteredPath, events: Vec<StreamEvent>) -> MeteredStream {
        let start = |_| async { Ok(routed(events)) };
        let metered = meter.stream(call(Tier::Pro), 100, Record::default(), 40, start, |_| 502).await.unwrap();
        metered.value.unwrap()
    }

    #[tokio::test]
    async fn a_stream_records_itself_when_it_ends_and_then_says_how() {
        let (ledger, settled) = ledger(true);
        let (meter, spawned) = path(ledger);
        let events = vec![
            StreamEvent::Text("Hel".into()),
            StreamEvent::Text("lo".into()),
            StreamEvent::Finish(FinishReason::Length),
            StreamEvent::Usage(usage(7, 2)),
        ];
        let items: Vec<Streamed> = started(&meter, events).await.collect().await;
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[2],
            Streamed::End(StreamEnd { finish: FinishReason::Length, usage: usage(7, 2), error: None })
        );
        let settled = settled.lock().unwrap();
        assert_eq!((settled[0].event.status, settled[0].event.tokens()), (200, 9));
        assert_eq!(settled[0].event.provider.as_deref(), Some("groq"));
        assert!(spawned.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_stream_the_client_leaves_is_recorded_in_the_background() {
        let (ledger, settled) = ledger(true);
        let (meter, spawned) = path(ledger);
        let mut stream = started(&meter, vec![StreamEvent::Text("Hel".into()), StreamEvent::Text("lo".into())]).await;
        assert_eq!(stream.next().await, Some(Streamed::Event(StreamEvent::Text("Hel".into()))));
        drop(stream);
        let task = spawned.lock().unwrap().pop().expect("a background record");
        task.await;
        let settled = settled.lock().unwrap();
        assert_eq!(settled[0].event.status, CLIENT_CLOSED);
        let event = &settled[0].event;
        assert_eq!((event.tokens_in, event.tokens_out, event.estimated), (10, 1, true), "what the client was sent");
        assert_eq!(event.model.as_deref(), Some("fast"));
    }

    #[tokio::test]
    async fn a_stream_that_cannot_start_is_recorded_with_its_error_status() {
        let (ledger, settled) = ledger(true);
        let (meter, _) = path(ledger);
        let start = |_| async { Err(RouteError::UnknownModel("nope".into())) };
        let metered = meter.stream(call(Tier::Pro), 100, Record::default(), 40, start, |_| 422).await.unwrap();
        assert!(matches!(metered.value, Err(RouteError::UnknownModel(_))));
        assert_eq!(settled.lock().unwrap()[0].event.status, 422);
        assert_eq!(settled.lock().unwrap()[0].event.provider, None, "no model was called: not a run");
    }

    #[tokio::test]
    async fn a_stream_its_provider_failed_is_recorded_with_that_provider() {
        let (ledger, settled) = ledger(true);
        let (meter, _) = path(ledger);
        let groq = ProviderName::parse("groq").unwrap();
        let start = |_| async move { Err(RouteError::Failed { provider: groq, error: ProviderError::Timeout }) };
        let metered = meter.stream(call(Tier::Pro), 100, Record::default(), 40, start, |_| 504).await.unwrap();
        assert!(metered.value.is_err());
        assert_eq!(settled.lock().unwrap()[0].event.provider.as_deref(), Some("groq"), "a model was called: a run");
    }
}
