//! The embedded demo platform: a faithful model of the platform rules in `domain.md`
//! (after Unkey Deploy), driven by a clock and a scripted scenario, so every screen and every
//! failure can be shown and tested offline and deterministically.
//!
//! State lives behind one std `Mutex` (never held across an `.await`) and is advanced lazily
//! to `clock.now()` at the start of every call: no background tasks.

mod config;
mod diff;
mod engine;
mod events;
mod faults;
mod kind;
mod lifetime;
mod new_deployments;
mod noise;
mod ops;
mod plan;
mod rules;
pub mod scenario;
mod text;
mod traffic;
mod world;

pub use config::DemoBackendConfig;
pub use kind::{DemoKind, platform};
pub use ops::Push;
pub use scenario::{Scenario, ScenarioError};
pub use traffic::{LATENCY_BOUNDS_SECS, LatencyHistogram, TrafficCounters};

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest,
};
use crate::clock::SharedClock;
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, MetricsScope, Operation, OperationId, OperationKind,
    Project, ProjectId,
};
use async_trait::async_trait;
use faults::{FailWhen, Faults};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use world::World;

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 200;

struct Shared {
    /// Built on a thread of its own from the moment the backend exists (a long generated
    /// history takes a while), so a console can draw its first frame meanwhile; the first
    /// call waits for it.
    world: OnceLock<Mutex<World>>,
    build: Mutex<Option<(scenario::Scenario, crate::domain::Timestamp)>>,
    clock: SharedClock,
    faults: Faults,
    scenario: String,
}

/// The demo platform. Cheap to clone and share; handles made by [`DemoBackend::with_identity`]
/// see the same platform as a different caller.
#[derive(Clone)]
pub struct DemoBackend {
    shared: Arc<Shared>,
    identity: Identity,
}

impl DemoBackend {
    /// The platform as the scenario describes it, starting at `clock.now()`.
    pub fn new(scenario: Scenario, clock: SharedClock, identity: Identity) -> DemoBackend {
        let start = clock.now();
        let shared = Arc::new(Shared {
            world: OnceLock::new(),
            faults: Faults::new(scenario.spec.faults.clone()),
            scenario: scenario.name().to_owned(),
            build: Mutex::new(Some((scenario, start))),
            clock,
        });
        let builder = Arc::clone(&shared);
        // Without a thread (a restricted environment), the first call builds it instead.
        let _ = std::thread::Builder::new()
            .name("demo-world".to_owned())
            .spawn(move || {
                builder.built();
            });
        DemoBackend { shared, identity }
    }

    /// Another caller's view of the same platform.
    pub fn with_identity(&self, identity: Identity) -> DemoBackend {
        DemoBackend {
            shared: Arc::clone(&self.shared),
            identity,
        }
    }

    pub fn scenario_name(&self) -> &str {
        &self.shared.scenario
    }

    /// Simulates a git push to `env`: a new commit and deployment that goes through the
    /// pipeline and takes the domains when ready, unless the environment is rolled back.
    pub fn push(&self, env: &EnvRef, push: Push) -> Result<DeploymentId, BackendError> {
        let mut world = self.world();
        let d = world.push(env, &push)?;
        Ok(world.deployments[d].dep.id.clone())
    }

    /// Cumulative per-deployment requests, 5xx and latency since the backend started.
    pub fn traffic_counters(&self) -> Vec<TrafficCounters> {
        self.world().counters()
    }

    /// The state, advanced to now.
    fn world(&self) -> MutexGuard<'_, World> {
        let now = self.shared.clock.now();
        let mut world = self
            .shared
            .built()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        world.advance(now);
        world
    }

    /// Applies the scenario's fault pattern; `Ok(true)` means the answer will be lost.
    async fn fault(&self) -> Result<bool, BackendError> {
        let fault = self.shared.faults.next();
        if let Some(delay) = fault.delay {
            tokio::time::sleep(delay).await;
        }
        match fault.fail {
            Some(FailWhen::Before) => Err(BackendError::transient(
                "demo platform briefly unavailable (scripted)",
            )),
            Some(FailWhen::After) => Ok(true),
            None => Ok(false),
        }
    }

    /// Runs a read under the fault pattern.
    async fn read<T>(
        &self,
        f: impl FnOnce(&mut World) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        if self.fault().await? {
            return Err(BackendError::transient(
                "demo platform answer lost (scripted)",
            ));
        }
        f(&mut self.world())
    }

    /// Runs an operation under the fault pattern; a lost answer happens after it was done.
    async fn write<T>(
        &self,
        f: impl FnOnce(&mut World) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let lose_answer = self.fault().await?;
        let result = f(&mut self.world());
        if lose_answer {
            return Err(BackendError::transient(
                "connection reset before the answer arrived (scripted)",
            ));
        }
        result
    }
}

impl Shared {
    /// The world, built from the scenario as it was at the backend's start.
    fn built(&self) -> &Mutex<World> {
        self.world.get_or_init(|| {
            let (scenario, start) = self
                .build
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take()
                .expect("the scenario is taken once, by the one initialiser");
            Mutex::new(scenario::build_world(&scenario.spec, start))
        })
    }
}

fn paginate<T>(items: Vec<T>, page: &PageRequest) -> Result<Page<T>, BackendError> {
    let offset = match &page.cursor {
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| BackendError::invalid(format!("bad cursor `{c}`")))?,
        None => 0,
    };
    let limit = page.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset + limit < total).then(|| (offset + limit).to_string());
    Ok(Page { items, next })
}

#[async_trait]
impl Backend for DemoBackend {
    fn kind(&self) -> &'static str {
        "demo"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::everything()
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.shared.clock.now()
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        Ok(self.identity.clone())
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        self.read(|w| {
            paginate(
                w.projects.iter().map(|p| p.project.clone()).collect(),
                &page,
            )
        })
        .await
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        self.read(|w| {
            let p = w
                .projects
                .iter()
                .position(|p| &p.project.id == project)
                .ok_or_else(|| BackendError::not_found(format!("project {project}")))?;
            Ok((0..w.projects[p].envs.len())
                .map(|e| w.environment_view(p, e))
                .collect())
        })
        .await
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.read(|w| {
            let (p, e) = w.env_index(env)?;
            Ok(w.environment_view(p, e))
        })
        .await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.read(|w| {
            let (p, e) = w.env_index(env)?;
            let ids = &w.env(p, e).deployments;
            let offset = match &page.cursor {
                Some(c) => c
                    .parse::<usize>()
                    .map_err(|_| BackendError::invalid(format!("bad cursor `{c}`")))?,
                None => 0,
            };
            let limit = page.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
            let items = ids
                .iter()
                .rev()
                .skip(offset)
                .take(limit)
                .map(|&d| w.deployment_view(d))
                .collect();
            let next = (offset + limit < ids.len()).then(|| (offset + limit).to_string());
            Ok(Page { items, next })
        })
        .await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.read(|w| {
            let d = w.deployment_in(env, id)?;
            Ok(w.deployment_view(d))
        })
        .await
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.read(|w| {
            let (p, e) = w.env_index(env)?;
            let d = w.deployment_in(env, target)?;
            w.diff(p, e, d)
        })
        .await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        self.read(|w| {
            let (p, e) = w.env_index(env)?;
            let d = w.deployment_in(env, target)?;
            Ok(w.domain_moves(p, e, d))
        })
        .await
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        self.read(|w| {
            let (p, e) = w.env_index(env)?;
            let d = w.deployment_in(env, deployment)?;
            Ok(w.actions(&self.identity, p, e, d))
        })
        .await
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.write(|w| w.request_switch(&self.identity, OperationKind::Rollback, &request))
            .await
    }

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.write(|w| w.request_switch(&self.identity, OperationKind::Promote, &request))
            .await
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.write(|w| w.request_redeploy(&self.identity, &request))
            .await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.read(|w| {
            w.env_index(env)?;
            w.operations
                .iter()
                .find(|o| &o.op.id == id && &o.op.env == env)
                .map(|o| o.op.clone())
                .ok_or_else(|| BackendError::not_found(format!("operation {id} in {env}")))
        })
        .await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        self.read(|w| {
            w.env_index(env)?;
            Ok(w.operations
                .iter()
                .rev()
                .filter(|o| &o.op.env == env)
                .map(|o| o.op.clone())
                .collect())
        })
        .await
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.read(|w| {
            let (p, e) = w.env_index(env)?;
            Ok(w.live_changes(p, e))
        })
        .await
    }
}

#[async_trait]
impl ErrorRates for DemoBackend {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.read(|w| {
            if query.step_secs == 0 || query.to <= query.from {
                return Err(BackendError::invalid(
                    "a metrics query needs step_secs > 0 and from < to",
                ));
            }
            if (query.to - query.from).num_days() > 31 {
                return Err(BackendError::invalid(
                    "the demo keeps 31 days of traffic; ask for a shorter window",
                ));
            }
            let (p, e) = w.env_index(&query.env)?;
            let only = match &query.scope {
                MetricsScope::Environment => None,
                MetricsScope::Deployment(id) => Some(w.deployment_in(&query.env, id)?),
            };
            Ok(w.series(p, e, only, query.from, query.to, query.step_secs))
        })
        .await
    }
}
