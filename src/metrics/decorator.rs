//! `WithPrometheus`: error rates from Prometheus in place of the platform's own. It asks the
//! platform only what the queries need (its clock, its live history, a deployment's label,
//! the placeholders' values from `Backend::metric_labels`), and changes nothing else.

use super::config::MetricsConfig;
use super::source::{PrometheusSource, SetupError};
use crate::backend::{Backend, BackendError, ErrorRates, MetricLabels, Platform};
use crate::domain::{
    DeploymentId, LiveChange, MetricSeries, MetricsQuery, MetricsScope, Timestamp,
};
use async_trait::async_trait;
use std::sync::Arc;

/// The platform with its error rates from `[metrics]` when that is configured; without it
/// the platform's own series stay.
pub fn with_metrics(
    platform: Platform,
    config: Option<&MetricsConfig>,
) -> Result<Platform, SetupError> {
    Ok(match config {
        None => platform,
        Some(MetricsConfig::Prometheus(config)) => {
            let rates = WithPrometheus::new(
                platform.backend.clone(),
                PrometheusSource::from_config(config)?,
            );
            platform.with_rates(Arc::new(rates))
        }
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
impl ErrorRates for WithPrometheus {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LiveCause;

    #[test]
    fn a_point_names_its_deployment_only_when_one_served_it_alone() {
        let change = |secs: i64, d: &str| LiveChange {
            scope: Default::default(),
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
