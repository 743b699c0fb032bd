//! Fly.io through its Machines API, GraphQL and releases REST API, as flyctl drives them
//! (where they differ from their specs, see `shared/design/platforms.md` §9).
//!
//! One project is a group of apps, one app per environment. A release is a deployment
//! (`v30`); what is live is the distribution of `fly_release_version` over the app's
//! Machines, which after a partial rollout is mixed (`live`). Fly has no server-side
//! rollback: the adapter runs it as flyctl does, a new release of the old image rolled over
//! the Machines under leases (`switch`, `rollout`). There is no promote. Error rates come
//! from Fly's managed Prometheus, joined to releases through the Machines (`rates`).

mod actions;
mod api;
mod bluegreen;
mod book;
mod calls;
mod canary;
mod client;
mod config;
mod diff;
mod errors;
mod fuzzing;
mod kind;
mod live;
mod mapping;
mod plan;
mod rates;
mod reads;
mod record;
mod rollout;
mod settings;
mod switch;

pub use config::{FlyBackendConfig, FlyConfigError, Token};
pub(crate) use fuzzing::fuzz_answer;
pub use kind::FlyKind;
pub use settings::FlySettings;

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest, Role,
};
use crate::clock::SharedClock;
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    EnvironmentId, LiveCause, LiveChange, MetricSeries, MetricsQuery, Operation, OperationId,
    Project, ProjectId, Strategy,
};
use crate::net::build_client;
use async_trait::async_trait;
use client::ApiClient;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The adapter: one per `[[backends]]` entry of kind `fly`.
pub struct FlyBackend {
    inner: Arc<Inner>,
}

/// Everything the adapter holds; shared with the rollouts it runs in the background.
pub(crate) struct Inner {
    client: ApiClient,
    clock: SharedClock,
    org: String,
    project: String,
    apps: BTreeMap<String, String>,
    token_env: String,
    max_unavailable: f64,
    lease_ttl_secs: u64,
    wait_timeout_secs: u64,
    health_timeout: Duration,
    health_poll: Duration,
    book: book::OperationBook,
    /// Per app: why the token may not deploy it (`None`: it may), as Fly said.
    access: Mutex<HashMap<String, Option<String>>>,
}

impl FlyBackend {
    pub fn from_config(
        config: &FlyBackendConfig,
        clock: SharedClock,
    ) -> Result<Self, FlyConfigError> {
        let mut settings =
            FlySettings::new(config.api_base()?, config.machines_base()?, config.token()?);
        settings.token_env = config.token_env.clone();
        settings.org = config.org.clone();
        settings.project = config.project_name().to_owned();
        settings.apps = config.apps.clone();
        settings.max_unavailable = config.max_unavailable;
        settings.http.request_timeout = config.request_timeout;
        settings.health_timeout = config.health_timeout;
        Self::new(settings, clock).map_err(|error| FlyConfigError::Client {
            backend: config.name.clone(),
            message: error.to_string(),
        })
    }

    pub fn new(settings: FlySettings, clock: SharedClock) -> Result<Self, reqwest::Error> {
        let http = build_client(&settings.http)?;
        let client = ApiClient::new(
            http,
            &settings.api_url,
            &settings.machines_url,
            &settings.org,
            settings.token,
            settings.token_env.clone(),
            settings.retry,
            settings.http.max_body_bytes,
            settings.reads_shared_for,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                clock,
                org: settings.org,
                project: settings.project,
                apps: settings.apps,
                token_env: settings.token_env,
                max_unavailable: settings.max_unavailable,
                lease_ttl_secs: settings.lease_ttl_secs.max(2),
                wait_timeout_secs: settings.wait_timeout_secs.clamp(1, 60),
                health_timeout: settings.health_timeout,
                health_poll: settings.health_poll,
                book: book::OperationBook::default(),
                access: Mutex::new(HashMap::new()),
            }),
        })
    }
}

impl Inner {
    async fn environment_view(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        let snap = self.snapshot(env, false).await?;
        let hosts = self.hostnames(&snap.app).await;
        Ok(mapping::environment(&snap, &hosts))
    }

    /// Complete releases, oldest first, each naming the deployment it made live.
    async fn live_changes(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        let snap = self.snapshot(env, false).await?;
        let mut complete: Vec<&api::Release> = snap
            .history
            .iter()
            .filter(|r| r.status == "complete")
            .collect();
        complete.sort_by_key(|r| r.version);
        let mut out: Vec<LiveChange> = Vec::new();
        for release in complete {
            let origin = snap.lineage.origin(release.version);
            if out
                .last()
                .is_some_and(|c| c.deployment == mapping::id(origin))
            {
                continue;
            }
            out.push(LiveChange {
                at: release.created_at,
                deployment: mapping::id(origin),
                cause: if origin == release.version {
                    LiveCause::Deploy
                } else {
                    LiveCause::Rollback
                },
                actor: release
                    .user_name()
                    .map(|u| Arc::from(crate::text::inert(&u).as_ref())),
                scope: Default::default(),
            });
        }
        Ok(out)
    }
}

#[async_trait]
impl Backend for FlyBackend {
    fn kind(&self) -> &'static str {
        "fly"
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.inner.clock.now()
    }

    fn capabilities(&self) -> Capabilities {
        let percent = (self.inner.max_unavailable * 100.0)
            .round()
            .clamp(1.0, 100.0) as u8;
        Capabilities {
            promote: false,
            redeploy_artifact: true,
            redeploy_rebuild: false,
            strategies: vec![
                Strategy::Rolling,
                Strategy::MaxUnavailable { percent },
                Strategy::Canary,
                Strategy::BlueGreen,
                Strategy::Immediate,
            ],
            regions: true,
            components: true,
            native_metrics: true,
            rolled_back_mode: false,
            // Each Machine's update carries its version; a colleague's change meanwhile
            // stops the rollout (412).
            preconditions: false,
            checks_live_first: true,
            domains_move: true,
        }
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        let mut refused = 0;
        for app in self.inner.apps.values() {
            refused += usize::from(self.inner.refusal(app).await?.is_some());
        }
        Ok(Identity {
            actor: format!(
                "Fly token in ${} ({})",
                self.inner.token_env, self.inner.org
            ),
            role: if refused == self.inner.apps.len() {
                Role::ReadOnly
            } else {
                Role::Deployer
            },
        })
    }

    async fn list_projects(&self, _page: PageRequest) -> Result<Page<Project>, BackendError> {
        Ok(Page {
            items: vec![Project {
                id: ProjectId::new(self.inner.project.clone()),
                name: self.inner.project.clone(),
                components: Vec::new(),
            }],
            next: None,
        })
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        let mut out = Vec::new();
        for name in self.inner.apps.keys() {
            let env = EnvRef::new(project.clone(), EnvironmentId::new(name.clone()));
            out.push(self.inner.environment_view(&env).await?);
        }
        Ok(out)
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.inner.environment_view(env).await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.inner.deployments_page(env, page).await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.inner.deployment(env, id).await
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.inner.build_diff(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        self.inner.moves(env, target).await
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let snap = self.inner.snapshot(env, false).await?;
        let release = reads::find(&snap, deployment)?.clone();
        self.inner.availability(&snap, &release).await
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.inner.rollback(request).await
    }

    async fn promote(&self, _request: OperationRequest) -> Result<OperationHandle, BackendError> {
        Err(BackendError::precondition(
            crate::backend::PreconditionCode::NotApplicable,
            "Fly has no promote: every hostname routes to every Machine; roll back or redeploy instead",
        ))
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.inner.redeploy(request).await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.inner.book.get(env, id).ok_or_else(|| {
            BackendError::not_found(format!("operation {id} (started before this console?)"))
        })
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        Ok(self.inner.book.list(env))
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.inner.live_changes(env).await
    }

    /// Every rollout this process drives is stopped after the Machine it is on, its leases
    /// given back and its release marked `interrupted`; returns once they have ended (or
    /// after a minute, when Fly does not answer: the leases then expire by themselves).
    async fn shutdown(&self) -> Vec<Operation> {
        let running = self.inner.book.running();
        for op in &running {
            self.inner.book.ask_to_stop(&op.id);
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut out = Vec::new();
        for op in running {
            loop {
                let now = self
                    .inner
                    .book
                    .get(&op.env, &op.id)
                    .unwrap_or_else(|| op.clone());
                if now.status.is_finished() || tokio::time::Instant::now() >= deadline {
                    out.push(now);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        out
    }

    /// Stops a rollout after the Machine it is on: the leases are given back and the
    /// release marked `interrupted`.
    async fn cancel_operation(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let op = self.operation(env, id).await?;
        if !self.inner.book.ask_to_stop(id) {
            return Err(BackendError::invalid(format!(
                "operation {id} has already ended"
            )));
        }
        Ok(op)
    }
}

#[async_trait]
impl ErrorRates for FlyBackend {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.inner.error_series(query).await
    }
}
