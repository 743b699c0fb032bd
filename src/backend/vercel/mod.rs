//! Vercel through its REST API, as Vercel's own CLI speaks it.
//!
//! A Vercel project becomes a console project with the environments `production`,
//! `preview` and its custom environments (by slug). Production's live deployment is the
//! project's `targets.production`; its rolled-back mode is read from `lastAliasRequest`
//! (a rollback turns off the automatic assignment of production domains until a promote).
//! Rollback and promote are accepted with no operation id, so the adapter keeps its own
//! record of each one and follows the project's alias request alias by alias (see
//! `operations` and `follow`).

mod api;
mod client;
mod config;
mod errors;
mod follow;
mod fuzzing;
mod history;
mod identity;
mod kind;
mod mapping;
mod observability;
mod operations;
mod reads;
mod rules;
mod settings;
mod switch;
mod views;

pub use config::{TeamScope, Token, VercelBackendConfig, VercelConfigError};
pub(crate) use fuzzing::fuzz_answer;
pub use kind::VercelKind;
pub use settings::VercelSettings;

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest,
};
use crate::clock::SharedClock;
use crate::domain::{
    Action, ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, Operation, OperationId, OperationKind, Project,
    ProjectId, Strategy,
};
use crate::net::build_client;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The adapter: one per `[[backends]]` entry of kind `vercel`.
pub struct VercelBackend {
    client: client::ApiClient,
    clock: SharedClock,
    projects: Vec<String>,
    switch_timeout: Duration,
    redeploy_timeout: Duration,
    min_poll: Duration,
    book: operations::OperationBook,
    /// Vercel's `isRollbackCandidate` per deployment, from the listings seen (the full read
    /// of one deployment does not carry it).
    candidates: Mutex<HashMap<String, bool>>,
    identity: identity::IdentityCache,
    /// Error rates refused by Vercel (no Observability Plus): the refusal, and when it came.
    no_observability: Mutex<Option<(BackendError, crate::domain::Timestamp)>>,
}

impl VercelBackend {
    pub fn from_config(
        config: &VercelBackendConfig,
        clock: SharedClock,
    ) -> Result<Self, VercelConfigError> {
        let mut settings = VercelSettings::new(config.checked_base_url()?, config.token()?);
        settings.token_env = config.token_env.clone();
        settings.team = config.team.as_deref().map(TeamScope::parse);
        settings.projects = config.projects.clone();
        settings.switch_timeout = config.switch_timeout;
        settings.redeploy_timeout = config.redeploy_timeout;
        settings.min_poll = config.operation_poll;
        Self::new(settings, clock).map_err(|error| VercelConfigError::Client {
            backend: config.name.clone(),
            message: error.to_string(),
        })
    }

    pub fn new(settings: VercelSettings, clock: SharedClock) -> Result<Self, reqwest::Error> {
        let http = build_client(&settings.http)?;
        let min_poll = settings.poll_interval();
        Ok(Self {
            client: client::ApiClient::new(http, &settings),
            clock,
            projects: settings.projects,
            switch_timeout: settings.switch_timeout,
            redeploy_timeout: settings.redeploy_timeout,
            min_poll,
            book: operations::OperationBook::default(),
            candidates: Mutex::new(HashMap::new()),
            identity: identity::IdentityCache::default(),
            no_observability: Mutex::new(None),
        })
    }
}

#[async_trait]
impl Backend for VercelBackend {
    fn kind(&self) -> &'static str {
        "vercel"
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.clock.now()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            checks_live_first: true,
            promote: true,
            // A redeploy is a new build from the same source; Vercel cannot reuse a build.
            redeploy_artifact: false,
            redeploy_rebuild: true,
            strategies: vec![Strategy::Immediate],
            regions: false,
            components: false,
            native_metrics: true,
            rolled_back_mode: true,
            // `expected_live` is compared by the adapter right before the call; Vercel has
            // no compare-and-swap, so a switch in between is not caught.
            preconditions: false,
            domains_move: true,
        }
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        self.who().await
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        self.projects_page(page).await
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        let project = self.project(project.as_str()).await?;
        Ok(views::environments(&project))
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        let project = self.project(env.project.as_str()).await?;
        views::environments(&project)
            .into_iter()
            .find(|e| e.id == env.environment)
            .ok_or_else(|| {
                BackendError::not_found(format!(
                    "environment `{}` of project `{}`: Vercel projects have production, preview and their custom environments",
                    env.environment, project.name
                ))
            })
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.deployments(env, page).await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        let (project, d) = self.deployment_in(env, id.as_str()).await?;
        Ok(self.map(env, &project, &d))
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.build_diff(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        self.domain_moves(env, target).await
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        self.action_list(env, deployment).await
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.switch(OperationKind::Rollback, request).await
    }

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.switch(OperationKind::Promote, request).await
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.redeploy_from(request).await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.follow(env, id).await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        let mut out = Vec::new();
        for tracked in self.book.list(env) {
            out.push(if tracked.operation.status.is_finished() {
                tracked.operation
            } else {
                self.follow(env, &tracked.operation.id).await?
            });
        }
        Ok(out)
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.live_changes(env).await
    }

    async fn cancel_operation(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        self.cancel_build(env, id).await
    }
}

#[async_trait]
impl ErrorRates for VercelBackend {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.observed_series(query).await
    }
}

/// The action a refusal of an operation kind is remembered under.
fn action_of(kind: OperationKind) -> Action {
    match kind {
        OperationKind::Rollback => Action::Rollback,
        OperationKind::Promote => Action::Promote,
        OperationKind::Redeploy => Action::Redeploy,
    }
}

/// `roll back`, `promote`, `redeploy`: for messages.
fn verb(action: Action) -> &'static str {
    match action {
        Action::Rollback => "roll back",
        Action::Promote => "promote",
        Action::Redeploy => "redeploy",
    }
}
