//! The tool-calling loop, streamed: each round is streamed from the provider, its text passed on as it arrives
//! and its tool-call fragments gathered; when a round ends with calls they run, their results go back, and the next
//! round streams. The stream ends with the last round's finish reason and one usage record for all rounds.

use std::collections::VecDeque;
use std::sync::Arc;

use ares_domain::{ToolCallRecord, ToolSettings};
use futures_util::StreamExt;

use super::catalog::Granted;
use super::coordinator::{ToolCoordinator, next_round, stop_calling_tools};
use crate::ports::{ChatRequest, ChatResponse, ChatStream, FinishReason, ProviderError, StreamEvent, ToolCall, Usage};
use crate::usecases::metering::Budget;
use crate::usecases::router::{RouteError, Routed};

/// A tool call assembled from its streamed fragments.
#[derive(Default)]
struct Fragments {
    id: String,
    name: String,
    arguments: String,
}

struct Loop {
    coordinator: Arc<ToolCoordinator>,
    request: ChatRequest,
    granted: Granted,
    settings: ToolSettings,
    budget: Budget,
    round: u32,
    last_round: bool,
    current: Option<ChatStream>,
    text: String,
    calls: Vec<Fragments>,
    finish: Option<FinishReason>,
    usage: Usage,
    /// What the current round reported.
    round_usage: Usage,
    records: Vec<ToolCallRecord>,
    ready: VecDeque<Result<StreamEvent, ProviderError>>,
    done: bool,
}

impl ToolCoordinator {
    /// Starts the loop, streamed. The first round fails over like any stream; a later round that cannot be served
    /// ends the stream with an error, and one `budget` cannot cover ends it with `finish_reason` `length`.
    ///
    /// # Errors
    /// A `RouteError` when the first round cannot start.
    pub async fn stream(
        self: &Arc<Self>,
        mut request: ChatRequest,
        tools: &[String],
        settings: ToolSettings,
        budget: Budget,
    ) -> Result<Routed<ChatStream>, RouteError> {
        let granted = self.offer(&mut request, tools);
        let Routed { value: first, model, provider } = self.router.stream(&request).await?;
        let state = Loop {
            coordinator: self.clone(),
            request,
            granted,
            settings,
            budget,
            round: 1,
            last_round: false,
            current: Some(first),
            text: String::new(),
            calls: Vec::new(),
            finish: None,
            usage: Usage::default(),
            round_usage: Usage::default(),
            records: Vec::new(),
            ready: VecDeque::new(),
            done: false,
        };
        let stream = futures_util::stream::unfold(state, |mut state| async move {
            let item = state.next().await?;
            Some((item, state))
        });
        Ok(Routed { value: stream.boxed(), model, provider })
    }
}

impl Loop {
    async fn next(&mut self) -> Option<Result<StreamEvent, ProviderError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            let Some(current) = self.current.as_mut() else {
                self.done = true;
                continue;
            };
            match current.next().await {
                Some(Ok(StreamEvent::Text(text))) => {
                    self.text.push_str(&text);
                    return Some(Ok(StreamEvent::Text(text)));
                }
                Some(Ok(StreamEvent::ToolCall { index, id, name, arguments })) => {
                    if self.calls.len() <= index {
                        self.calls.resize_with(index + 1, Fragments::default);
                    }
                    let call = &mut self.calls[index];
                    call.id = id.unwrap_or(std::mem::take(&mut call.id));
                    call.name = name.unwrap_or(std::mem::take(&mut call.name));
                    call.arguments.push_str(&arguments);
                }
                Some(Ok(StreamEvent::Finish(reason))) => self.finish = Some(reason),
                Some(Ok(StreamEvent::Usage(usage))) => {
                    self.usage = self.usage.plus(usage);
                    self.round_usage = usage;
                }
                Some(Err(error)) => {
                    self.done = true;
                    return Some(Err(error));
                }
                None => self.end_round().await,
            }
        }
    }

    /// The round's stream ended: finish, or run its calls and stream the next round.
    async fn end_round(&mut self) {
        self.current = None;
        let calls: Vec<ToolCall> = std::mem::take(&mut self.calls)
            .into_iter()
            .filter(|call| !call.name.is_empty())
            .enumerate()
            .map(|(i, call)| ToolCall {
                id: if call.id.is_empty() { format!("call_{}_{i}", self.round) } else { call.id },
                name: call.name,
                arguments: call.arguments,
            })
            .collect();
        if calls.is_empty() || self.request.tools.is_empty() || self.last_round {
            let finish = match self.finish.take() {
                Some(FinishReason::ToolCalls) if self.last_round => FinishReason::Stop,
                finish => finish.unwrap_or(FinishReason::Stop),
            };
            self.end(finish);
            return;
        }
        let response = ChatResponse {
            text: std::mem::take(&mut self.text),
            tool_calls: calls,
            finish_reason: FinishReason::ToolCalls,
            usage: Usage::default(),
        };
        let coordinator = self.coordinator.clone();
        coordinator.answer_calls(&mut self.request, &response, &self.granted, &self.settings, &mut self.records).await;
        if self.round >= self.settings.max_iterations.max(1) {
            stop_calling_tools(&mut self.request);
            self.last_round = true;
        }
        self.round += 1;
        self.finish = None;
        if !self.budget.cover(self.usage.total(), next_round(&self.request, self.round_usage)).await {
            tracing::info!("the token budget cannot cover another round: the stream ends with what it has");
            self.end(FinishReason::Length);
            return;
        }
        match coordinator.router.stream(&self.request).await {
            Ok(routed) => self.current = Some(routed.value),
            Err(err) => {
                self.ready.push_back(Err(match err {
                    RouteError::Failed { error, .. } => error,
                    other => ProviderError::Unavailable(other.to_string()),
                }));
                self.done = true;
            }
        }
    }

    /// Ends the stream: why, and the usage of every round.
    fn end(&mut self, finish: FinishReason) {
        self.ready.push_back(Ok(StreamEvent::Finish(finish)));
        self.ready.push_back(Ok(StreamEvent::Usage(self.usage)));
        self.done = true;
    }
}
