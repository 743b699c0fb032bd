//! Unkey Deploy through its public REST API v2.
//!
//! Unkey's project → app → environment becomes the console's project → environment with
//! environment ids `<app>/<environment>`; the live deployment is the app's
//! `currentDeploymentId`, the rolled-back mode its `isRolledBack`. Rollback and promote are
//! accepted with `202` and no operation id, so the adapter keeps its own operation records
//! and follows them by polling (see `operations`).

mod actions;
mod address;
mod analytics;
mod api;
mod client;
mod config;
mod domains;
mod errors;
mod fuzzing;
mod kind;
mod mapping;
mod operations;
mod reads;
mod settings;
mod switch;
mod views;

pub use config::{RootKey, UnkeyBackendConfig, UnkeyConfigError};
pub(crate) use fuzzing::fuzz_answer;
pub use kind::UnkeyKind;
pub use settings::UnkeySettings;

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest, Role,
};
use crate::clock::SharedClock;
use crate::domain::{
    Action, ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, Operation, OperationId, OperationKind, Project,
    ProjectId, Strategy,
};
use crate::net::build_client;
use address::{EnvAddress, decode_cursor};
use api::MAX_PAGE;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The adapter: one per `[[backends]]` entry of kind `unkey`.
pub struct UnkeyBackend {
    client: client::ApiClient,
    clock: SharedClock,
    projects: Vec<String>,
    switch_timeout: Duration,
    redeploy_timeout: Duration,
    min_poll: Duration,
    book: operations::OperationBook,
    environments: Mutex<HashMap<EnvAddress, api::Environment>>,
    app_counts: Mutex<HashMap<String, usize>>,
    /// Actions the key was refused, with the reason: shown as disabled from then on.
    denied: Mutex<HashMap<Action, String>>,
}

impl UnkeyBackend {
    pub fn from_config(
        config: &UnkeyBackendConfig,
        clock: SharedClock,
    ) -> Result<Self, UnkeyConfigError> {
        let mut settings = UnkeySettings::new(config.checked_base_url()?, config.root_key()?);
        settings.token_env = config.token_env.clone();
        settings.projects = config.projects.clone();
        settings.switch_timeout = config.switch_timeout;
        settings.redeploy_timeout = config.redeploy_timeout;
        Self::new(settings, clock).map_err(|error| UnkeyConfigError::Client {
            backend: config.name.clone(),
            message: error.to_string(),
        })
    }

    pub fn new(settings: UnkeySettings, clock: SharedClock) -> Result<Self, reqwest::Error> {
        let http = build_client(&settings.http)?;
        Ok(Self {
            client: client::ApiClient::new(
                http,
                settings.base_url.trim_end_matches('/').to_owned(),
                settings.root_key,
                settings.token_env,
                settings.retry,
                settings.http.max_body_bytes,
                settings.reads_shared_for,
            ),
            clock,
            projects: settings.projects,
            switch_timeout: settings.switch_timeout,
            redeploy_timeout: settings.redeploy_timeout,
            min_poll: settings.min_poll,
            book: operations::OperationBook::default(),
            environments: Mutex::new(HashMap::new()),
            app_counts: Mutex::new(HashMap::new()),
            denied: Mutex::new(HashMap::new()),
        })
    }

    fn deny(&self, action: Action, reason: &str) {
        self.denied
            .lock()
            .expect("denied lock")
            .insert(action, reason.to_owned());
    }

    fn denied(&self, action: Action) -> Option<String> {
        self.denied
            .lock()
            .expect("denied lock")
            .get(&action)
            .cloned()
    }

    fn wanted(&self, project: &api::Project) -> bool {
        self.projects.is_empty()
            || self
                .projects
                .iter()
                .any(|p| p == &project.id || p == &project.slug)
    }
}

#[async_trait]
impl Backend for UnkeyBackend {
    fn kind(&self) -> &'static str {
        "unkey"
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.clock.now()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            promote: true,
            // Unkey decides from the deployment: image apps reuse the image, git apps rebuild.
            redeploy_artifact: true,
            redeploy_rebuild: true,
            strategies: vec![Strategy::Immediate],
            regions: false,
            components: false,
            native_metrics: true,
            rolled_back_mode: true,
            // `expected_live` is checked by the adapter right before the call; Unkey v2
            // itself has no compare-and-swap, so a switch in between is not caught.
            preconditions: false,
            checks_live_first: true,
            domains_move: true,
        }
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        // Any read proves the key; v2 has no call that lists a root key's permissions, so
        // the role is learned from refusals.
        self.projects_page(&PageRequest::first(1)).await?;
        let denied = self.denied.lock().expect("denied lock");
        let role =
            if denied.contains_key(&Action::Rollback) || denied.contains_key(&Action::Promote) {
                Role::ReadOnly
            } else {
                Role::Deployer
            };
        Ok(Identity {
            actor: "Unkey root key".to_owned(),
            role,
        })
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        let answer = self.projects_page(&page).await?;
        let mut items = Vec::new();
        for project in answer.data.iter().filter(|p| self.wanted(p)) {
            let apps = self.list_apps(&project.id).await?;
            items.push(Project {
                id: ProjectId::new(project.id.clone()),
                name: project.name.clone(),
                components: if apps.len() > 1 {
                    apps.iter().map(|a| a.slug.clone()).collect()
                } else {
                    Vec::new()
                },
            });
        }
        Ok(Page {
            items,
            next: views::next_cursor("projects", answer.pagination),
        })
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        let apps = self.list_apps(project.as_str()).await?;
        let several = apps.len() > 1;
        let mut out = Vec::new();
        for app in &apps {
            for env in self
                .list_unkey_environments(project.as_str(), &app.slug)
                .await?
            {
                let at = EnvAddress {
                    project: project.as_str().to_owned(),
                    app: app.slug.clone(),
                    environment: env.slug.clone(),
                };
                self.environments
                    .lock()
                    .expect("env lock")
                    .insert(at.clone(), env.clone());
                out.push(self.environment_view(&at, app, &env, several).await?);
            }
        }
        Ok(out)
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        let environment = self.environment_of(&at).await?;
        let several = self.several_apps(&at.project).await?;
        self.environment_view(&at, &app, &environment, several)
            .await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        let at = EnvAddress::parse(env)?;
        let scope = format!("deployments:{}/{}/{}", at.project, at.app, at.environment);
        let cursor = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(&scope, c))
            .transpose()?;
        let call = errors::CallContext {
            path: "deployments.listDeployments",
            doing: "list the deployments".to_owned(),
            permission: "environment.*.read_deployment",
            subject: format!("environment `{}/{}`", at.app, at.environment),
            replay: crate::net::Replay::Read,
        };
        let body = api::ListDeployments {
            project: &at.project,
            app: &at.app,
            environment: &at.environment,
            limit: page.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
            cursor: cursor.as_deref(),
        };
        let answer: api::Envelope<Vec<api::Deployment>> = self.client.call(&call, &body).await?;
        let several = self.several_apps(&at.project).await?;
        Ok(Page {
            items: answer
                .data
                .iter()
                .map(|d| mapping::deployment(d, &self.map_context(env, several, &d.id)))
                .collect(),
            next: views::next_cursor(&scope, answer.pagination),
        })
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        let at = EnvAddress::parse(env)?;
        let d = self.fetch_deployment_in(&at, id.as_str()).await?;
        let several = self.several_apps(&at.project).await?;
        Ok(mapping::deployment(
            &d,
            &self.map_context(env, several, &d.id),
        ))
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.build_diff(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        let Some(live_id) = &app.current_deployment_id else {
            return Ok(Vec::new());
        };
        let live = self.fetch_deployment(live_id).await?;
        let custom = self.custom_domains(&at).await?;
        Ok(domains::moves(
            &domains::DomainInputs {
                live: &live,
                custom: &custom,
            },
            target,
        ))
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        let environment = self.environment_of(&at).await?;
        let d = self.fetch_deployment_in(&at, deployment.as_str()).await?;
        let denied = |action: Action| self.denied(action);
        Ok(actions::availability(&actions::ActionInputs {
            deployment: &d,
            environment_kind: environment.kind,
            app_rolled_back: app.is_rolled_back,
            app_has_current: app.current_deployment_id.is_some(),
            denied: &denied,
        }))
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
}

#[async_trait]
impl ErrorRates for UnkeyBackend {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.gateway_series(query).await
    }
}
