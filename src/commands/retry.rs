//! A backend that repeats calls failing with a retryable error (timeouts, 5xx, rate limits).
//! Operations are safe to repeat: the request carries the same idempotency key, so the
//! platform returns the first operation instead of starting a second.

use crate::backend::{
    Backend, BackendError, Capabilities, Identity, OperationHandle, OperationRequest, Page,
    PageRequest, RedeployRequest,
};
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    LiveChange, MetricSeries, MetricsQuery, Operation, OperationId, Project, ProjectId, Timestamp,
};
use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Attempts per call, the first included.
const ATTEMPTS: u32 = 4;
/// The longest pause between attempts, also for a server's `Retry-After`.
const MAX_PAUSE: Duration = Duration::from_secs(5);

pub struct Retrying(pub Arc<dyn Backend>);

async fn retry<T, F, Fut>(what: &str, mut call: F) -> Result<T, BackendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, BackendError>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                let pause = match &error {
                    BackendError::RateLimited {
                        retry_after: Some(after),
                    } => *after,
                    _ => Duration::from_millis(250 * u64::from(attempt)),
                }
                .min(MAX_PAUSE);
                tracing::info!(%error, call = what, attempt, "retrying after {pause:?}");
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[async_trait]
impl Backend for Retrying {
    fn kind(&self) -> &'static str {
        self.0.kind()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn now(&self) -> Timestamp {
        self.0.now()
    }
    async fn identity(&self) -> Result<Identity, BackendError> {
        retry("identity", || self.0.identity()).await
    }
    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        retry("list_projects", || self.0.list_projects(page.clone())).await
    }
    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        retry("list_environments", || self.0.list_environments(project)).await
    }
    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        retry("get_environment", || self.0.get_environment(env)).await
    }
    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        retry("list_deployments", || {
            self.0.list_deployments(env, page.clone())
        })
        .await
    }
    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        retry("get_deployment", || self.0.get_deployment(env, id)).await
    }
    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        retry("diff", || self.0.diff(env, target)).await
    }
    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        retry("domains_to_move", || self.0.domains_to_move(env, target)).await
    }
    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        retry("actions", || self.0.actions(env, deployment)).await
    }
    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        retry("rollback", || self.0.rollback(request.clone())).await
    }
    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        retry("promote", || self.0.promote(request.clone())).await
    }
    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        retry("redeploy", || self.0.redeploy(request.clone())).await
    }
    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        retry("operation", || self.0.operation(env, id)).await
    }
    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        retry("list_operations", || self.0.list_operations(env)).await
    }
    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        retry("live_history", || self.0.live_history(env)).await
    }
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        retry("error_rate", || self.0.error_rate(query)).await
    }
    async fn current_error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        retry("current_error_rate", || self.0.current_error_rate(query)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn retryable_errors_are_retried_and_others_are_not() {
        let calls = AtomicU32::new(0);
        let result = retry("x", || async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            if n < 2 {
                Err(BackendError::transient("reset"))
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!(result, Ok(2));
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry("x", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(BackendError::invalid("no"))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry("x", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(BackendError::transient("down"))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }
}
