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
mod mapping;
mod operations;
mod reads;
mod switch;

pub use config::{RootKey, UnkeyBackendConfig, UnkeyConfigError};

use crate::backend::{
    Backend, BackendError, Capabilities, Identity, OperationHandle, OperationRequest, Page,
    PageRequest, RedeployRequest, Role,
};
use crate::clock::SharedClock;
use crate::domain::{
    Action, ActionAvailability, ConfigChange, ConfigChangeKind, Deployment, DeploymentId, Diff,
    DomainMove, EnvMode, EnvRef, Environment, LiveCause, LiveChange, MetricSeries, MetricsQuery,
    MetricsScope, Operation, OperationId, OperationKind, OperationStatus, Project, ProjectId,
    Strategy, SwitchKind,
};
use crate::net::{HttpSettings, RetryPolicy, build_client};
use address::{EnvAddress, decode_cursor, encode_cursor};
use api::MAX_PAGE;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Everything the adapter needs besides a config file (tests build it directly).
#[derive(Clone, Debug)]
pub struct UnkeySettings {
    pub base_url: String,
    pub root_key: RootKey,
    /// The variable the key came from, named in authentication errors.
    pub token_env: String,
    pub projects: Vec<String>,
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    pub switch_timeout: Duration,
    pub redeploy_timeout: Duration,
    /// An operation looks at Unkey at most this often, however often it is asked about.
    pub min_poll: Duration,
}

impl UnkeySettings {
    pub fn new(base_url: impl Into<String>, root_key: RootKey) -> Self {
        Self {
            base_url: base_url.into(),
            root_key,
            token_env: "UNKEY_ROOT_KEY".to_owned(),
            projects: Vec::new(),
            http: HttpSettings::default(),
            retry: RetryPolicy::default(),
            switch_timeout: Duration::from_secs(120),
            redeploy_timeout: Duration::from_secs(20 * 60),
            min_poll: Duration::from_millis(500),
        }
    }
}

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

    async fn environment_view(
        &self,
        at: &EnvAddress,
        app: &api::App,
        env: &api::Environment,
        several_apps: bool,
    ) -> Result<Environment, BackendError> {
        let production = env.kind == api::EnvironmentKind::Production;
        // Only production has a live pointer; previews serve per branch.
        let live = if production {
            app.current_deployment_id.clone()
        } else {
            None
        };
        let domains = match &live {
            Some(id) => {
                let live = self.fetch_deployment(id).await?;
                let custom = self.custom_domains(at).await?;
                domains::current(&domains::DomainInputs {
                    live: &live,
                    custom: &custom,
                })
            }
            None => Vec::new(),
        };
        Ok(Environment {
            id: EnvAddress::environment_id(&app.slug, &env.slug),
            project: ProjectId::new(at.project.clone()),
            name: if several_apps {
                format!("{}/{}", app.slug, env.slug)
            } else {
                env.slug.clone()
            },
            kind: mapping::environment_kind(env.kind),
            live: live.map(DeploymentId::new),
            mode: if production && app.is_rolled_back {
                EnvMode::RolledBack
            } else {
                EnvMode::Normal
            },
            domains,
            branch: None,
        })
    }

    fn map_context<'a>(
        &self,
        env: &'a EnvRef,
        show_app: bool,
        id: &str,
    ) -> mapping::MapContext<'a> {
        mapping::MapContext {
            env,
            show_app,
            redeployed_from: self.book.redeployed_from(id),
        }
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
            domains_move: true,
        }
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        // Any read proves the key; v2 has no call that lists a root key's permissions, so
        // the role is learned from refusals.
        self.list_projects(PageRequest::first(1)).await?;
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
        let cursor = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor("projects", c))
            .transpose()?;
        let call = errors::CallContext {
            path: "projects.listProjects",
            doing: "list the projects".to_owned(),
            permission: "project.*.read_project",
            subject: "the workspace's projects".to_owned(),
            replay: errors::Replay::Read,
        };
        let body = api::ListProjects {
            limit: page.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
            cursor: cursor.as_deref(),
        };
        let answer: api::Envelope<Vec<api::Project>> = self.client.call(&call, &body).await?;
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
            next: next_cursor("projects", answer.pagination),
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
            replay: errors::Replay::Read,
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
            next: next_cursor(&scope, answer.pagination),
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
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        let to = self.fetch_deployment_in(&at, target.as_str()).await?;
        let from = match &app.current_deployment_id {
            Some(id) => Some(self.fetch_deployment(id).await?),
            None => None,
        };
        let several = self.several_apps(&at.project).await?;
        let mapped_to = mapping::deployment(&to, &self.map_context(env, several, &to.id));
        let mapped_from = from
            .as_ref()
            .map(|d| mapping::deployment(d, &self.map_context(env, several, &d.id)));
        let config_drift = mapped_from
            .as_ref()
            .map(|live| config_drift(live, &mapped_to))
            .unwrap_or_default();
        let domains = match &from {
            Some(live) => {
                let custom = self.custom_domains(&at).await?;
                domains::moves(
                    &domains::DomainInputs {
                        live,
                        custom: &custom,
                    },
                    target,
                )
            }
            None => Vec::new(),
        };
        Ok(Diff {
            live: from.as_ref().map(|d| DeploymentId::new(d.id.clone())),
            target: target.clone(),
            artifact_from: mapped_from.map(|d| d.artifact),
            artifact_to: mapped_to.artifact,
            // v2 lists no commits between deployments.
            commits_between: Vec::new(),
            commits_back: 0,
            config_drift,
            migrations_not_reverted: Vec::new(),
            domains,
            switch: if to.status == api::DeploymentStatus::Ready {
                SwitchKind::Instant
            } else {
                SwitchKind::Cold { estimate_secs: 60 }
            },
        })
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
        // Unkey keeps no history of the live pointer that v2 exposes: the switches made
        // from this console, and the live deployment as of its creation.
        let mut changes: Vec<LiveChange> = self
            .book
            .list(env)
            .into_iter()
            .rev()
            .filter(|t| t.operation.status == OperationStatus::Completed)
            .filter_map(|t| {
                let op = t.operation;
                let (deployment, cause) = match op.kind {
                    OperationKind::Rollback => (op.target, LiveCause::Rollback),
                    OperationKind::Promote => (op.target, LiveCause::Promote),
                    OperationKind::Redeploy => (op.new_deployment?, LiveCause::Redeploy),
                };
                Some(LiveChange {
                    at: op.finished_at.unwrap_or(op.updated_at),
                    deployment,
                    cause,
                    actor: Some(op.actor),
                })
            })
            .collect();
        let at = EnvAddress::parse(env)?;
        let app = self.fetch_app(&at).await?;
        if let Some(live) = &app.current_deployment_id
            && !changes.iter().any(|c| c.deployment.as_str() == live)
        {
            let d = self.fetch_deployment(live).await?;
            changes.push(LiveChange {
                at: mapping::timestamp(d.created_at),
                deployment: DeploymentId::new(d.id),
                cause: LiveCause::Deploy,
                actor: None,
            });
        }
        changes.sort_by_key(|c| c.at);
        Ok(changes)
    }

    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        let at = EnvAddress::parse(&query.env)?;
        let environment = self.environment_of(&at).await?;
        let deployment = match &query.scope {
            MetricsScope::Environment => None,
            MetricsScope::Deployment(id) => Some(id.as_str()),
        };
        let sql = analytics::sql(&analytics::SeriesQuery {
            environment_id: &environment.id,
            deployment_id: deployment,
            from: query.from,
            to: query.to,
            step_secs: query.step_secs,
        })?;
        let call = errors::CallContext {
            path: "analytics.getGatewayRequests",
            doing: "read the gateway request counts".to_owned(),
            permission: "project.*.read_gateway_requests",
            subject: "gateway requests".to_owned(),
            replay: errors::Replay::Read,
        };
        let answer: api::Envelope<api::Rows> =
            self.client.call(&call, &api::Query { query: &sql }).await?;
        analytics::series(&answer.data, query.step_secs)
    }
}

fn next_cursor(scope: &str, pagination: Option<api::Pagination>) -> Option<String> {
    match pagination {
        Some(api::Pagination {
            has_more: true,
            cursor: Some(cursor),
        }) => Some(encode_cursor(scope, &cursor)),
        _ => None,
    }
}

/// Runtime settings that differ, seen from the target.
fn config_drift(live: &Deployment, target: &Deployment) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    for entry in &live.config {
        match target.config.iter().find(|t| t.name == entry.name) {
            None => out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Added,
            }),
            Some(t) if t.hash != entry.hash => out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Changed,
            }),
            Some(_) => {}
        }
    }
    for entry in &target.config {
        if !live.config.iter().any(|l| l.name == entry.name) {
            out.push(ConfigChange {
                name: entry.name.clone(),
                change: ConfigChangeKind::Removed,
            });
        }
    }
    out
}
