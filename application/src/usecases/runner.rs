//! Running a tenant's agent: find it (cached), build its chat, route it, and describe what happened as a run.
//! A provider failure is a failed run, not a failed request.

use std::sync::Arc;

use ares_domain::{Agent, AgentName, AgentStatus, Page, Run, RunId, RunStatus, TenantId};
use serde_json::Value;

use super::directory::AgentDirectory;
use super::metering::{Budget, Record};
use super::prompt::{Sampling, chat_request, reserve_for, run_message, run_output};
use super::tools::ToolCoordinator;
use crate::ports::{ChatRequest, Clock, RepoError, RunRepository, Usage};

/// Why an agent cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("Agent not found: {0}")]
    NotFound(AgentName),
    #[error("Agent is disabled: {0}")]
    Disabled(AgentName),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepoError> for RunError {
    fn from(err: RepoError) -> Self {
        Self::Unexpected(anyhow::Error::new(err))
    }
}

/// A run ready to go: the agent, the input, the chat, and the tokens to reserve for it.
#[derive(Debug, Clone)]
pub struct PreparedRun {
    pub agent: Agent,
    pub input: Value,
    pub request: ChatRequest,
    pub reserve: u64,
}

impl PreparedRun {
    /// What to record of the run before it is answered: the agent and its model.
    #[must_use]
    pub fn record(&self) -> Record {
        Record {
            agent: Some(self.agent.name.to_string()),
            model: Some(self.request.model.clone()),
            ..Record::default()
        }
    }
}

/// A finished run and what it used.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub run: Run,
    pub agent: Agent,
    pub usage: Usage,
}

impl RunOutcome {
    /// What to record of the request: the run itself, with its agent, model, provider and usage.
    #[must_use]
    pub fn record(&self) -> Record {
        Record {
            agent: Some(self.agent.name.to_string()),
            model: self.run.model.clone(),
            provider: self.run.provider.clone(),
            usage: self.usage,
            run: Some(self.run.clone()),
            turn: None,
        }
    }
}

/// Runs agents.
pub struct AgentRunner {
    directory: Arc<AgentDirectory>,
    coordinator: Arc<ToolCoordinator>,
    runs: Arc<dyn RunRepository>,
    clock: Arc<dyn Clock>,
    default_max_tokens: u32,
}

/// A page of an agent's runs.
#[derive(Debug, Clone)]
pub struct RunPage {
    pub agent: Agent,
    pub runs: Vec<Run>,
    pub total: u64,
}

impl AgentRunner {
    /// `default_max_tokens` sizes the token reservation of agents that set no `max_tokens`.
    #[must_use]
    pub fn new(
        directory: Arc<AgentDirectory>,
        coordinator: Arc<ToolCoordinator>,
        runs: Arc<dyn RunRepository>,
        clock: Arc<dyn Clock>,
        default_max_tokens: u32,
    ) -> Self {
        AgentRunner { directory, coordinator, runs, clock, default_max_tokens }
    }

    /// The agent's runs, newest first: one page of them.
    ///
    /// # Errors
    /// `NotFound` when the tenant has no such agent.
    pub async fn history(&self, tenant_id: TenantId, name: &AgentName, page: Page) -> Result<RunPage, RunError> {
        let agent = self.directory.by_name(tenant_id, name).await?.ok_or_else(|| RunError::NotFound(name.clone()))?;
        let (runs, total) = self.runs.page(tenant_id, name, page.offset(), page.size()).await?;
        Ok(RunPage { agent, runs, total })
    }

    /// Finds the tenant's agent and builds its chat for `input`.
    ///
    /// # Errors
    /// `NotFound` (another tenant's agent included), `Disabled`.
    pub async fn prepare(&self, tenant_id: TenantId, name: &AgentName, input: Value) -> Result<PreparedRun, RunError> {
        let agent = self.directory.by_name(tenant_id, name).await?.ok_or_else(|| RunError::NotFound(name.clone()))?;
        if agent.status == AgentStatus::Disabled {
            return Err(RunError::Disabled(agent.name));
        }
        let mut request = chat_request(Some(&agent.config), None, vec![run_message(&input)], Sampling::default());
        let reserve = reserve_for(&mut request, self.default_max_tokens);
        Ok(PreparedRun { agent, input, request, reserve })
    }

    /// Runs it, tools and all, each further tool round within `budget`. Whatever the provider does, the outcome
    /// is a run: completed with its output, or failed with why.
    #[tracing::instrument(skip_all, fields(tenant.id = %prepared.agent.tenant_id, agent.name = %prepared.agent.name))]
    pub async fn execute(&self, prepared: PreparedRun, budget: &Budget) -> RunOutcome {
        let started_at = self.clock.now();
        let settings = self.coordinator.defaults().for_agent(&prepared.agent.config);
        let tools = prepared.agent.config.tools.clone();
        let result = self.coordinator.complete(prepared.request.clone(), &tools, settings, budget).await;
        let duration = (self.clock.now() - started_at).num_milliseconds();
        let PreparedRun { agent, input, request, .. } = prepared;
        let mut run = Run {
            id: RunId::new(),
            tenant_id: agent.tenant_id,
            agent_name: agent.name.clone(),
            status: RunStatus::Completed,
            input,
            output: None,
            error: None,
            model: Some(request.model),
            provider: None,
            tokens_in: 0,
            tokens_out: 0,
            started_at,
            duration_ms: Some(u64::try_from(duration).unwrap_or(0)),
            tool_calls: vec![],
        };
        let usage = match result {
            Ok(routed) => {
                let tool_run = routed.value;
                run.output = Some(run_output(&tool_run.response.text));
                run.model = Some(routed.model);
                run.provider = Some(routed.provider.to_string());
                run.tokens_in = tool_run.usage.prompt_tokens;
                run.tokens_out = tool_run.usage.completion_tokens;
                run.tool_calls = tool_run.calls;
                tool_run.usage
            }
            Err(err) => {
                tracing::warn!(error = %err, "agent run failed");
                run.status = RunStatus::Failed;
                run.error = Some(err.to_string());
                run.provider = err.called().map(ToString::to_string);
                Usage::default()
            }
        };
        RunOutcome { run, agent, usage }
    }
}
