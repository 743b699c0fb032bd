//! `WithPrometheus`: a backend whose error rates come from Prometheus and everything else
//! from the platform, so the console and the commands need no change. The placeholders of
//! its queries are what the platform gives (`Backend::metric_labels`).

use super::config::MetricsConfig;
use super::source::{PrometheusSource, SetupError};
use crate::backend::{
    Backend, BackendError, Capabilities, Identity, MetricLabels, OperationHandle, OperationRequest,
    Page, PageRequest, RedeployRequest,
};
use crate::domain::{
    ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, Environment,
    EnvironmentId, LiveChange, MetricSeries, MetricsQuery, MetricsScope, Operation, OperationId,
    Project, ProjectId, Timestamp,
};
use async_trait::async_trait;
use std::sync::Arc;

/// Wraps `inner` when `[metrics]` is configured; without it the platform's own series stay.
pub fn with_metrics(
    inner: Arc<dyn Backend>,
    config: Option<&MetricsConfig>,
) -> Result<Arc<dyn Backend>, SetupError> {
    Ok(match config {
        None => inner,
        Some(MetricsConfig::Prometheus(config)) => Arc::new(WithPrometheus::new(
            inner,
            PrometheusSource::from_config(config)?,
        )),
    })
}

pub struct WithPrometheus {
    inner: Arc<dyn Backend>,
    prom: PrometheusSource,
}

impl WithPrometheus {
    pub fn new(inner: Arc<dyn Backend>, prom: PrometheusSource) -> Self {
        Self { inner, prom }
    }

    pub fn source(&self) -> &PrometheusSource {
        &self.prom
    }

    /// The deployment's label, when its series is asked and a template matches by label.
    async fn deployment_label(&self, query: &MetricsQuery) -> Result<Option<String>, BackendError> {
        match &query.scope {
            MetricsScope::Deployment(id) if self.prom.needs_deployment_label() => {
                let deployment = self.inner.get_deployment(&query.env, id).await?;
                Ok(Some(deployment.label))
            }
            _ => Ok(None),
        }
    }

    /// What the platform gives for the placeholders of the queried environment.
    fn labels_of(&self, query: &MetricsQuery) -> MetricLabels {
        self.inner
            .metric_labels(&query.env.project, &query.env.environment)
    }

    /// Prometheus stamps samples with the wall clock; a platform running on its own clock
    /// (the demo, faster than real time) is mapped onto it by the difference between the two
    /// "now"s. Under a second apart they are taken as the same clock.
    fn clock_offset(&self) -> chrono::Duration {
        let offset = chrono::Utc::now() - self.inner.now();
        if offset.num_milliseconds().abs() < 1000 {
            chrono::Duration::zero()
        } else {
            offset
        }
    }

    /// Runs `ask` on Prometheus' clock, brings the points back to the platform's, and says
    /// which deployment served each point.
    async fn on_platform_clock<F, Fut>(
        &self,
        query: &MetricsQuery,
        ask: F,
    ) -> Result<MetricSeries, BackendError>
    where
        F: FnOnce(MetricsQuery) -> Fut,
        Fut: Future<Output = Result<MetricSeries, BackendError>>,
    {
        let offset = self.clock_offset();
        let shifted = MetricsQuery {
            from: query.from + offset,
            to: query.to + offset,
            ..query.clone()
        };
        let history = async {
            match query.scope {
                // Without history the points still show, naming no deployment.
                MetricsScope::Environment => match self.inner.live_history(&query.env).await {
                    Ok(history) => Some(history),
                    Err(error) => {
                        tracing::debug!(%error, "no live history to attribute metric points");
                        None
                    }
                },
                MetricsScope::Deployment(_) => None,
            }
        };
        let (series, history) = tokio::join!(ask(shifted), history);
        let mut series = series?;
        let bucket = chrono::Duration::seconds(i64::from(series.step_secs));
        let step = std::time::Duration::from_secs(u64::from(series.step_secs));
        let window = chrono::Duration::from_std(self.prom.window_for(step))
            .unwrap_or(chrono::Duration::zero());
        for point in &mut series.points {
            point.at -= offset;
            let evaluated = point.at + bucket;
            point.deployment = match &query.scope {
                MetricsScope::Deployment(id) => Some(id.clone()),
                MetricsScope::Environment => history
                    .as_deref()
                    .and_then(|h| served_alone(h, evaluated - window, evaluated)),
            };
        }
        Ok(series)
    }
}

/// The deployment that was live throughout `(from, to]` according to `history` (oldest
/// first); `None` when the live deployment changed within it, since the point's rate mixes
/// the traffic of both.
fn served_alone(history: &[LiveChange], from: Timestamp, to: Timestamp) -> Option<DeploymentId> {
    let live_at = |at: Timestamp| history.partition_point(|change| change.at <= at);
    let (first, last) = (live_at(from), live_at(to));
    (first == last && last > 0).then(|| history[last - 1].deployment.clone())
}

#[async_trait]
impl Backend for WithPrometheus {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn now(&self) -> Timestamp {
        self.inner.now()
    }

    fn metric_labels(&self, project: &ProjectId, environment: &EnvironmentId) -> MetricLabels {
        self.inner.metric_labels(project, environment)
    }

    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        let label = self.deployment_label(query).await?;
        let labels = self.labels_of(query);
        self.on_platform_clock(query, |q| async move {
            self.prom.range(&q, &labels, label.as_deref()).await
        })
        .await
    }

    async fn current_error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        let label = self.deployment_label(query).await?;
        let labels = self.labels_of(query);
        self.on_platform_clock(query, |q| async move {
            self.prom.instant(&q, &labels, label.as_deref()).await
        })
        .await
    }

    async fn identity(&self) -> Result<Identity, BackendError> {
        self.inner.identity().await
    }

    async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, BackendError> {
        self.inner.list_projects(page).await
    }

    async fn list_environments(
        &self,
        project: &ProjectId,
    ) -> Result<Vec<Environment>, BackendError> {
        self.inner.list_environments(project).await
    }

    async fn get_environment(&self, env: &EnvRef) -> Result<Environment, BackendError> {
        self.inner.get_environment(env).await
    }

    async fn list_deployments(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        self.inner.list_deployments(env, page).await
    }

    async fn get_deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        self.inner.get_deployment(env, id).await
    }

    async fn diff(&self, env: &EnvRef, target: &DeploymentId) -> Result<Diff, BackendError> {
        self.inner.diff(env, target).await
    }

    async fn domains_to_move(
        &self,
        env: &EnvRef,
        target: &DeploymentId,
    ) -> Result<Vec<DomainMove>, BackendError> {
        self.inner.domains_to_move(env, target).await
    }

    async fn actions(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        self.inner.actions(env, deployment).await
    }

    async fn rollback(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.inner.rollback(request).await
    }

    async fn promote(&self, request: OperationRequest) -> Result<OperationHandle, BackendError> {
        self.inner.promote(request).await
    }

    async fn redeploy(&self, request: RedeployRequest) -> Result<OperationHandle, BackendError> {
        self.inner.redeploy(request).await
    }

    async fn operation(&self, env: &EnvRef, id: &OperationId) -> Result<Operation, BackendError> {
        self.inner.operation(env, id).await
    }

    async fn list_operations(&self, env: &EnvRef) -> Result<Vec<Operation>, BackendError> {
        self.inner.list_operations(env).await
    }

    async fn live_history(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        self.inner.live_history(env).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LiveCause;

    #[test]
    fn a_point_names_its_deployment_only_when_one_served_it_alone() {
        let change = |secs: i64, d: &str| LiveChange {
            at: Timestamp::from_timestamp(secs, 0).unwrap(),
            deployment: DeploymentId::new(d),
            cause: LiveCause::Deploy,
            actor: None,
        };
        let history = [change(100, "a"), change(200, "b")];
        let at = |secs| Timestamp::from_timestamp(secs, 0).unwrap();
        let a = Some(DeploymentId::new("a"));
        assert_eq!(served_alone(&history, at(40), at(50)), None, "before any");
        assert_eq!(served_alone(&history, at(100), at(150)), a);
        assert_eq!(served_alone(&history, at(150), at(199)), a);
        assert_eq!(served_alone(&history, at(195), at(205)), None, "mixed");
        assert_eq!(
            served_alone(&history, at(200), at(250)),
            Some(DeploymentId::new("b"))
        );
    }
}
