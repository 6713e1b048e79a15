//! The ToolCoordinator: the tool-calling loop. The model is offered the agent's tools; when it answers with calls,
//! they run (at the same time when `parallel_execution` is on, each within `tool_timeout`) and their results go
//! back to it, until it answers in text or `max_iterations` rounds have called tools, after which it is asked for a
//! final answer from what it has. Before every round after the first, the round's worst case (its prompt and
//! `max_tokens`) must fit the request's token budget; when it does not, the loop ends with what it has (the text
//! so far, `finish_reason` `length`), so a tool loop never takes the payer past its token quota. A call that fails, times out, names a tool the agent does not have or comes with
//! bad arguments is answered with `{"error": "..."}`: the model decides what to do, the request goes on.

use std::sync::Arc;

use ares_domain::quota::reservation;
use ares_domain::{ToolCallRecord, ToolSettings};
use futures_util::future::{Either, join_all, select};
use serde_json::{Value, json};

use super::catalog::{Granted, ToolCatalog, specs};
use crate::ports::{
    ChatMessage, ChatRequest, ChatResponse, Clock, FinishReason, Role, Timer, ToolCall, ToolChoice, ToolError, Usage,
};
use crate::usecases::metering::Budget;
use crate::usecases::prompt::prompt_chars;
use crate::usecases::router::{ModelRouter, RouteError, Routed};

/// Told to the model when it has used up its tool rounds.
pub(super) const LIMIT_NOTE: &str =
    "You have used all your tool calls. Answer now, in text, with the information gathered so far.";

/// A finished tool loop: the final answer, the usage of every round, and each call made.
#[derive(Debug, Clone)]
pub struct ToolRun {
    pub response: ChatResponse,
    pub usage: Usage,
    pub calls: Vec<ToolCallRecord>,
}

/// Runs the tool-calling loop over the router.
pub struct ToolCoordinator {
    pub(super) router: Arc<ModelRouter>,
    catalog: Arc<ToolCatalog>,
    timer: Arc<dyn Timer>,
    clock: Arc<dyn Clock>,
    defaults: ToolSettings,
}

impl ToolCoordinator {
    /// `defaults` are the server's settings (`[tools]`); agents may override them.
    #[must_use]
    pub fn new(
        router: Arc<ModelRouter>,
        catalog: Arc<ToolCatalog>,
        timer: Arc<dyn Timer>,
        clock: Arc<dyn Clock>,
        defaults: ToolSettings,
    ) -> Self {
        ToolCoordinator { router, catalog, timer, clock, defaults }
    }

    /// The server's settings.
    #[must_use]
    pub fn defaults(&self) -> ToolSettings {
        self.defaults
    }

    /// Offers `request` the tools named `tools` that exist.
    pub(super) fn offer(&self, request: &mut ChatRequest, tools: &[String]) -> Granted {
        let granted = self.catalog.granted(tools);
        request.tools = specs(&granted, tools);
        granted
    }

    /// Runs the loop to a final answer, each further round only once `budget` covers it.
    ///
    /// # Errors
    /// A `RouteError` when a round cannot be served; tool failures never end the loop.
    #[tracing::instrument(skip_all, fields(model.requested = %request.model, tools = tools.len()))]
    pub async fn complete(
        &self,
        mut request: ChatRequest,
        tools: &[String],
        settings: ToolSettings,
        budget: &Budget,
    ) -> Result<Routed<ToolRun>, RouteError> {
        let granted = self.offer(&mut request, tools);
        let (mut usage, mut calls) = (Usage::default(), Vec::new());
        let mut routed = self.router.complete(&request).await?;
        for round in 1..=settings.max_iterations.max(1) {
            usage = usage.plus(routed.value.usage);
            if routed.value.tool_calls.is_empty() || request.tools.is_empty() {
                return Ok(finished(routed, usage, calls));
            }
            self.answer_calls(&mut request, &routed.value, &granted, &settings, &mut calls).await;
            if round == settings.max_iterations.max(1) {
                tracing::info!(rounds = round, "tool-call limit reached: asking for a final answer");
                stop_calling_tools(&mut request);
            }
            if !budget.cover(usage.total(), next_round(&request, routed.value.usage)).await {
                return Ok(out_of_budget(routed, usage, calls));
            }
            routed = self.router.complete(&request).await?;
        }
        usage = usage.plus(routed.value.usage);
        if !routed.value.tool_calls.is_empty() {
            tracing::info!("the model called tools after the limit; the calls are ignored");
            routed.value.tool_calls.clear();
            routed.value.finish_reason = FinishReason::Stop;
        }
        Ok(finished(routed, usage, calls))
    }

    /// Adds the model's calls and their results to the conversation, and to `records`.
    pub(super) async fn answer_calls(
        &self,
        request: &mut ChatRequest,
        response: &ChatResponse,
        granted: &Granted,
        settings: &ToolSettings,
        records: &mut Vec<ToolCallRecord>,
    ) {
        request.messages.push(ChatMessage {
            role: Role::Assistant,
            content: response.text.clone(),
            tool_calls: response.tool_calls.clone(),
            tool_call_id: None,
        });
        let outcomes = if settings.parallel_execution {
            join_all(response.tool_calls.iter().map(|call| self.execute(call, granted, settings))).await
        } else {
            let mut outcomes = Vec::with_capacity(response.tool_calls.len());
            for call in &response.tool_calls {
                outcomes.push(self.execute(call, granted, settings).await);
            }
            outcomes
        };
        for (call, record) in response.tool_calls.iter().zip(outcomes) {
            let content = match (&record.result, &record.error) {
                (Some(result), _) => result.to_string(),
                (None, error) => json!({ "error": error }).to_string(),
            };
            request
                .messages
                .push(ChatMessage { tool_call_id: Some(call.id.clone()), ..ChatMessage::text(Role::Tool, content) });
            records.push(record);
        }
    }

    /// Runs one call, never failing: whatever goes wrong becomes the record's error.
    async fn execute(&self, call: &ToolCall, granted: &Granted, settings: &ToolSettings) -> ToolCallRecord {
        let started = self.clock.now();
        let arguments = parse_arguments(&call.arguments);
        let outcome = match (granted.get(&call.name), &arguments) {
            (None, _) => Err(unknown_tool(&call.name, granted)),
            (Some(_), Err(message)) => Err(message.clone()),
            (Some(entry), Ok(arguments)) => {
                let call_future = Box::pin(entry.tool.call(arguments.clone()));
                match select(call_future, Box::pin(self.timer.sleep(settings.tool_timeout))).await {
                    Either::Left((result, _)) => result.map_err(|err: ToolError| err.to_string()),
                    Either::Right(((), _)) => {
                        Err(format!("{} timed out after {} seconds", call.name, settings.tool_timeout.as_secs_f64()))
                    }
                }
            }
        };
        let duration = (self.clock.now() - started).num_milliseconds();
        if let Err(error) = &outcome {
            tracing::info!(tool = %call.name, %error, "tool call failed; the model is told");
        }
        let (result, error) = match outcome {
            Ok(result) => (Some(result), None),
            Err(error) => (None, Some(error)),
        };
        ToolCallRecord {
            name: call.name.clone(),
            arguments: arguments.unwrap_or_else(|_| Value::String(call.arguments.clone())),
            result,
            error,
            duration_ms: u64::try_from(duration).unwrap_or(0),
        }
    }
}

/// The run of the last round, with the usage of all of them.
fn finished(routed: Routed<ChatResponse>, usage: Usage, calls: Vec<ToolCallRecord>) -> Routed<ToolRun> {
    let Routed { value: response, model, provider } = routed;
    Routed { value: ToolRun { response, usage, calls }, model, provider }
}

/// The loop ran out of budget before its next round: the text so far is the answer, cut short.
fn out_of_budget(mut routed: Routed<ChatResponse>, usage: Usage, calls: Vec<ToolCallRecord>) -> Routed<ToolRun> {
    tracing::info!("the token budget cannot cover another round: the loop ends with what it has");
    routed.value.tool_calls.clear();
    routed.value.finish_reason = FinishReason::Length;
    finished(routed, usage, calls)
}

/// The most tokens the next round of `request` can use: its prompt (at least what the last round's prompt and
/// answer counted, plus the tool results since, at four characters a token) and its `max_tokens`.
pub(super) fn next_round(request: &ChatRequest, last: Usage) -> u64 {
    let results: usize =
        request.messages.iter().rev().take_while(|m| m.role == Role::Tool).map(|m| m.content.len()).sum();
    let grown = last.total().saturating_add(u64::try_from(results.div_ceil(4)).unwrap_or(u64::MAX));
    let estimated = reservation(prompt_chars(request), 0);
    grown.max(estimated).saturating_add(u64::from(request.max_tokens.unwrap_or(0)))
}

/// The last round: the tools stay described (the conversation holds calls of them), but may not be called.
pub(super) fn stop_calling_tools(request: &mut ChatRequest) {
    request.tool_choice = ToolChoice::None;
    request.system = Some(match request.system.take() {
        Some(system) => format!("{system}\n\n{LIMIT_NOTE}"),
        None => LIMIT_NOTE.to_owned(),
    });
}

/// The model's arguments as a JSON object (none at all is an empty one).
fn parse_arguments(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("Invalid arguments: expected a JSON object".to_owned()),
        Err(err) => Err(format!("Invalid arguments: not JSON ({err})")),
    }
}

fn unknown_tool(name: &str, granted: &Granted) -> String {
    let mut available: Vec<&str> = granted.keys().map(String::as_str).collect();
    available.sort_unstable();
    format!("Unknown tool: '{name}'. Available tools: {}", available.join(", "))
}
