//! A Kubernetes backend that connects on first use, so it can be built without a runtime
//! call (`BackendKind::build` is synchronous) and a cluster that is down at start is tried
//! again on the next call instead of failing the console.

use super::{KubernetesBackend, KubernetesBackendConfig};
use crate::backend::{
    Backend, BackendError, Capabilities, ErrorRates, Identity, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest,
};
use crate::clock::SharedClock;
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, Operation, OperationId, Project, ProjectId, Timestamp,
};
use async_trait::async_trait;
use tokio::sync::OnceCell;

pub struct LazyKubernetes {
    config: KubernetesBackendConfig,
    clock: SharedClock,
    inner: OnceCell<KubernetesBackend>,
}

impl LazyKubernetes {
    pub fn new(config: KubernetesBackendConfig, clock: SharedClock) -> Self {
        Self {
            config,
            clock,
            inner: OnceCell::new(),
        }
    }

    async fn get(&self) -> Result<&KubernetesBackend, BackendError> {
        self.inner
            .get_or_try_init(|| KubernetesBackend::connect(&self.config, self.clock.clone()))
            .await
    }
}

#[async_trait]
impl Backend for LazyKubernetes {
    fn kind(&self) -> &'static str {
        "kubernetes"
    }

    /// Before the first connection nothing is known about Argo Rollouts, so promote is
    /// off until discovery has found them.
    fn capabilities(&self) -> Capabilities {
        match self.inner.get() {
            Some(k) => k.capabilities(),
            None => KubernetesBackend::capabilities_with(false),
        }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn metric_labels(
        &self,
        project: &ProjectId,
        environment: &crate::domain::EnvironmentId,
    ) -> crate::backend::MetricLabels {
        super::metric_labels(project, environment)
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        self.get().await?.identity().await
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        self.get().await?.list_projects(page).await
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        self.get().await?.list_environments(project).await
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.get().await?.get_environment(env).await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.get().await?.list_deployments(env, page).await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.get().await?.get_deployment(env, id).await
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.get().await?.diff(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        self.get().await?.domains_to_move(env, target).await
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        self.get().await?.actions(env, deployment).await
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.get().await?.rollback(request).await
    }

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.get().await?.promote(request).await
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.get().await?.redeploy(request).await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.get().await?.operation(env, id).await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        self.get().await?.list_operations(env).await
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.get().await?.live_history(env).await
    }
}

#[async_trait]
impl ErrorRates for LazyKubernetes {
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.get().await?.error_rate(query).await
    }
}
