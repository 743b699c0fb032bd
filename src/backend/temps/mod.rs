//! Temps (self-hosted, open source) through its REST API under `/api`, as the v0.0.1 server
//! behaves (which differs from its spec in places: see `shared/design/platforms.md` §9).
//!
//! Temps' project → environment → deployment map one to one; projects and environments
//! are named by slug, deployments by Temps' number (labelled `d7`). What is live is the
//! environment's `current_deployment_id` and nothing else. A rollback is one synchronous
//! call, run here as an operation with steps (`rollback`); a redeploy starts the pipeline
//! again and is followed through its jobs (`redeploy`). There is no promote. Error rates
//! are counted from the proxy logs, 5xx only (`rates`).

mod access;
mod actions;
mod api;
mod book;
mod client;
mod config;
mod diff;
mod errors;
mod fuzzing;
mod history;
mod kind;
mod mapping;
mod paging;
mod rates;
mod reads;
mod redeploy;
mod rollback;
mod settings;

pub use config::{ApiKey, TempsBackendConfig, TempsConfigError, api_base};
pub(crate) use fuzzing::fuzz_answer;
pub use kind::TempsKind;
pub use settings::TempsSettings;

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest, Role,
};
use crate::clock::SharedClock;
use crate::domain::{
    Action, ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, Operation, OperationId, Project, ProjectId, Strategy,
};
use crate::net::build_client;
use async_trait::async_trait;
use client::{ApiClient, Fresh};
use mapping::{Context, ProjectRef};
use paging::{Cursor, PageQuery};
use reads::deployment_number;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The adapter: one per `[[backends]]` entry of kind `temps`.
pub struct TempsBackend {
    inner: Arc<Inner>,
}

/// Everything the adapter holds; shared with the rollback calls it runs in the background.
pub(crate) struct Inner {
    client: ApiClient,
    clock: SharedClock,
    projects_wanted: Vec<String>,
    rollback_timeout: Duration,
    redeploy_timeout: Duration,
    answer_wait: Duration,
    min_poll: Duration,
    book: book::OperationBook,
    access: access::AccessBook,
    /// Projects seen, by slug and by number.
    known: Mutex<HashMap<String, ProjectRef>>,
}

fn handle(op: &Operation) -> OperationHandle {
    OperationHandle {
        id: op.id.clone(),
        kind: op.kind,
        env: op.env.clone(),
        new_deployment: op.new_deployment.clone(),
    }
}

impl TempsBackend {
    pub fn from_config(
        config: &TempsBackendConfig,
        clock: SharedClock,
    ) -> Result<Self, TempsConfigError> {
        let mut settings = TempsSettings::new(config.checked_base_url()?, config.api_key()?);
        settings.token_env = config.token_env.clone();
        settings.projects = config.projects.clone();
        settings.http.request_timeout = config.request_timeout;
        settings.rollback_timeout = config.rollback_timeout;
        settings.redeploy_timeout = config.redeploy_timeout;
        Self::new(settings, clock).map_err(|error| TempsConfigError::Client {
            backend: config.name.clone(),
            message: error.to_string(),
        })
    }

    pub fn new(settings: TempsSettings, clock: SharedClock) -> Result<Self, reqwest::Error> {
        let http = build_client(&settings.http)?;
        let client = ApiClient::new(
            http,
            settings.base_url.clone(),
            settings.api_key,
            settings.token_env,
            settings.retry,
            settings.http.max_body_bytes,
            settings.reads_shared_for,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                clock,
                projects_wanted: settings.projects,
                rollback_timeout: settings.rollback_timeout,
                redeploy_timeout: settings.redeploy_timeout,
                answer_wait: settings.answer_wait,
                min_poll: settings.min_poll,
                book: book::OperationBook::default(),
                access: access::AccessBook::default(),
                known: Mutex::new(HashMap::new()),
            }),
        })
    }
}

impl Inner {
    async fn deployment_view(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        let (project, environment) = self.locate(env, Fresh::Shared).await?;
        let d = self
            .deployment_in(
                &project,
                &environment,
                deployment_number(id)?,
                Fresh::Shared,
            )
            .await?;
        Ok(mapping::deployment(
            &d,
            &Context {
                project: &project,
                live: environment.current_deployment_id,
            },
        ))
    }

    async fn environment_view(
        &self,
        project: &ProjectRef,
        environment: &api::Environment,
    ) -> Environment {
        let hosts = self.hosts(project, environment).await;
        mapping::environment(project, environment, &hosts)
    }
}

#[async_trait]
impl Backend for TempsBackend {
    fn kind(&self) -> &'static str {
        "temps"
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.inner.clock.now()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            promote: false,
            // trigger-pipeline builds the commit again; a built image runs again only
            // through a rollback.
            redeploy_artifact: false,
            redeploy_rebuild: true,
            strategies: vec![Strategy::Immediate],
            regions: false,
            components: false,
            native_metrics: true,
            rolled_back_mode: false,
            preconditions: false,
            checks_live_first: true,
            domains_move: true,
        }
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        let access = self.inner.access().await?;
        let read_only = access.may(access::ROLLBACK_PERMISSION) == Some(false)
            || self.inner.access.denied(Action::Rollback).is_some();
        Ok(Identity {
            actor: access
                .actor
                .map(|name| format!("{name} (Temps API key)"))
                .unwrap_or_else(|| "Temps API key".to_owned()),
            role: if read_only {
                Role::ReadOnly
            } else {
                Role::Deployer
            },
        })
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        let query = match page.cursor.as_deref() {
            Some(text) => Cursor::decode("projects", text)?.page,
            None => PageQuery::new(1, page.limit.unwrap_or(api::MAX_PAGE as usize) as u32),
        };
        let list = self.inner.projects_page(query).await?;
        let items = list
            .projects
            .iter()
            .filter(|p| self.inner.wanted(p))
            .map(|p| Project {
                id: ProjectId::new(p.slug.clone()),
                name: p.name.clone(),
                components: Vec::new(),
            })
            .collect();
        let next = (query.has_more(list.total) && !list.projects.is_empty()).then(|| {
            Cursor {
                scope: "projects".to_owned(),
                page: query.next(),
                below: None,
            }
            .encode()
        });
        Ok(Page { items, next })
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        let project = self.inner.project(project).await?;
        let raw = self.inner.raw_environments(&project, Fresh::Shared).await?;
        let mut out = Vec::with_capacity(raw.len());
        for environment in &raw {
            out.push(self.inner.environment_view(&project, environment).await);
        }
        Ok(out)
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        let (project, environment) = self.inner.locate(env, Fresh::Shared).await?;
        Ok(self.inner.environment_view(&project, &environment).await)
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        let scope = format!("deployments:{}|{}", env.project, env.environment);
        let (query, below) = match page.cursor.as_deref() {
            Some(text) => {
                let cursor = Cursor::decode(&scope, text)?;
                (cursor.page, cursor.below)
            }
            None => (
                PageQuery::new(1, page.limit.unwrap_or(api::MAX_PAGE as usize) as u32),
                None,
            ),
        };
        let (project, environment) = self.inner.locate(env, Fresh::Shared).await?;
        let list = self
            .inner
            .raw_deployments(&project, &environment, query, Fresh::Shared)
            .await?;
        let context = Context {
            project: &project,
            live: environment.current_deployment_id,
        };
        let fetched = list.deployments.len();
        let shown: Vec<&api::Deployment> = list
            .deployments
            .iter()
            .filter(|d| below.is_none_or(|b| d.id < b))
            .collect();
        let lowest = shown.iter().map(|d| d.id).min().or(below);
        let next = (query.has_more(list.total) && fetched > 0).then(|| {
            Cursor {
                scope,
                page: query.next(),
                below: lowest,
            }
            .encode()
        });
        Ok(Page {
            items: shown
                .into_iter()
                .map(|d| mapping::deployment(d, &context))
                .collect(),
            next,
        })
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.inner.deployment_view(env, id).await
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.inner.build_diff(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        let (project, environment) = self.inner.locate(env, Fresh::Shared).await?;
        let target = deployment_number(target)?;
        Ok(self
            .inner
            .moves(
                &project,
                &environment,
                environment.current_deployment_id,
                target,
            )
            .await)
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let (project, environment) = self.inner.locate(env, Fresh::Shared).await?;
        let d = self
            .inner
            .deployment_in(
                &project,
                &environment,
                deployment_number(deployment)?,
                Fresh::Shared,
            )
            .await?;
        Ok(actions::availability(&actions::ActionInputs {
            deployment: &d,
            live: environment.current_deployment_id,
            rollback_refused: self.inner.refusal_for(Action::Rollback).await,
            redeploy_refused: self.inner.refusal_for(Action::Redeploy).await,
        }))
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.inner.rollback(request).await
    }

    async fn promote(&self, _request: OperationRequest) -> Result<OperationHandle, BackendError> {
        Err(BackendError::invalid(
            "Temps has no promote: roll back to move live to an earlier deployment, or redeploy to build one again",
        ))
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.inner.redeploy(request).await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.inner.follow(env, id).await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        let mut out = Vec::new();
        for tracked in self.inner.book.list(env) {
            out.push(if tracked.operation.status.is_finished() {
                tracked.operation
            } else {
                self.inner.follow(env, &tracked.operation.id).await?
            });
        }
        Ok(out)
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.inner.live_changes(env).await
    }
}

#[async_trait]
impl ErrorRates for TempsBackend {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.inner.proxy_series(query).await
    }
}
