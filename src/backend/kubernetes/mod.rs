//! Kubernetes Deployments (and Argo Rollouts where the CRD is served) as projects, their
//! ReplicaSet revisions as deployments, and rollbacks with kubectl's outcome but guarded
//! against concurrent changes. See `docs/readme/kubernetes.md`.

mod actions;
mod api;
pub mod argo;
pub mod config;
mod connect;
pub mod diff;
mod discovery;
pub mod domains;
mod errors;
mod follow;
mod fuzzing;
mod history;
mod kind;
mod lazy;
pub mod mapping;
pub mod objects;
mod ops;
mod promote;
mod rbac;
mod read;
mod recent;
pub mod restart;
pub mod revisions;
pub mod status;
pub mod undo;
pub mod workload;
mod write;

pub use config::KubernetesBackendConfig;
pub(crate) use fuzzing::fuzz_answer;
pub use kind::{KubernetesKind, metric_labels};
pub use lazy::LazyKubernetes;

use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, PreconditionCode, RedeployRequest,
};
use crate::clock::SharedClock;
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, Operation, OperationId, Project, ProjectId,
};
use api::KubeApi;
use async_trait::async_trait;
use std::sync::Mutex;

/// One kubeconfig context and its namespaces, shown as one environment.
pub struct KubernetesBackend {
    api: KubeApi,
    context: String,
    user: Option<String>,
    namespaces: Vec<String>,
    environment: String,
    selector: Option<String>,
    /// The Argo Rollouts CRD is served (discovery at connect).
    argo: bool,
    /// Gateway API HTTPRoutes are served.
    gateway: bool,
    clock: SharedClock,
    rbac: rbac::Rbac,
    ops: Mutex<ops::Store>,
    recent: recent::Recent,
    /// The `SelfSubjectReview` answer, asked once.
    whoami: tokio::sync::OnceCell<Option<String>>,
}

impl KubernetesBackend {
    /// Reads the kubeconfig, builds the client and finds which optional APIs (Argo Rollouts,
    /// Gateway API) the cluster serves: kept on disk from a recent run, else asked.
    pub async fn connect(
        config: &KubernetesBackendConfig,
        clock: SharedClock,
    ) -> Result<Self, BackendError> {
        let resolved = connect::connect(config).await?;
        let api = KubeApi::new(resolved.client);
        let api::Optional { argo, gateway } =
            discovery::optional_apis(&api, resolved.cache_dir.as_deref(), &resolved.server).await?;
        Ok(Self {
            api,
            context: resolved.context,
            user: resolved.user,
            namespaces: resolved.namespaces,
            environment: resolved.environment,
            selector: resolved.selector,
            argo,
            gateway,
            clock,
            rbac: rbac::Rbac::default(),
            ops: Mutex::new(ops::Store::default()),
            recent: recent::Recent::default(),
            whoami: tokio::sync::OnceCell::new(),
        })
    }

    /// The kubeconfig context in use.
    pub fn context(&self) -> &str {
        &self.context
    }

    pub fn namespaces(&self) -> &[String] {
        &self.namespaces
    }

    /// Whether Argo Rollouts were found (promote is offered for them only).
    pub fn has_argo_rollouts(&self) -> bool {
        self.argo
    }

    /// Promote exists only for Argo Rollouts; domains never move; no rolled-back mode.
    pub(super) fn capabilities_with(argo: bool) -> Capabilities {
        Capabilities {
            promote: argo,
            redeploy_artifact: true,
            redeploy_rebuild: false,
            strategies: Vec::new(),
            regions: false,
            components: false,
            native_metrics: false,
            rolled_back_mode: false,
            preconditions: true,
            checks_live_first: false,
            domains_move: false,
        }
    }

    fn check_env(&self, env: &EnvRef) -> Result<workload::Address, BackendError> {
        if env.environment.as_str() != self.environment {
            return Err(BackendError::not_found(format!(
                "environment {} (this backend shows {})",
                env.environment, self.environment
            )));
        }
        let address = workload::Address::parse(&env.project)?;
        if !self.namespaces.contains(&address.namespace) {
            return Err(BackendError::not_found(format!(
                "namespace {} is not configured for {}",
                address.namespace, self.environment
            )));
        }
        Ok(address)
    }
}

#[async_trait]
impl Backend for KubernetesBackend {
    fn kind(&self) -> &'static str {
        "kubernetes"
    }

    fn capabilities(&self) -> Capabilities {
        Self::capabilities_with(self.argo)
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.clock.now()
    }

    fn metric_labels(
        &self,
        project: &ProjectId,
        environment: &crate::domain::EnvironmentId,
    ) -> crate::backend::MetricLabels {
        metric_labels(project, environment)
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        self.identity_impl().await
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        self.list_projects_impl(page).await
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        let env = EnvRef::new(project.clone(), self.environment.as_str());
        Ok(vec![self.get_environment(&env).await?])
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.get_environment_impl(env).await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.list_deployments_impl(env, page).await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        let all = self
            .list_deployments_impl(env, PageRequest::default())
            .await?;
        all.items
            .into_iter()
            .find(|d| &d.id == id)
            .ok_or_else(|| BackendError::not_found(format!("replicaset {id} of {}", env.project)))
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.diff_impl(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        let address = self.check_env(env)?;
        let snap = self.snapshot(&address).await?;
        Ok(self.domain_moves(&snap, target).await)
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        self.actions_impl(env, deployment).await
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.rollback_impl(request).await
    }

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.promote_impl(request).await
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.redeploy_impl(request).await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.follow(env, id).await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        let ops = self.ops.lock().expect("operations");
        Ok(ops
            .all()
            .filter(|r| &r.operation.env == env)
            .map(|r| r.operation.clone())
            .collect())
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.live_history_impl(env).await
    }
}

#[async_trait]
impl ErrorRates for KubernetesBackend {
    async fn error_rate(&self, _query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        Err(BackendError::precondition(
            PreconditionCode::NotApplicable,
            "Kubernetes reports no request metrics itself; error rates come from Prometheus \
             (configure [metrics] with kind = \"prometheus\" and a preset such as \"ingress-nginx\")",
        ))
    }
}
