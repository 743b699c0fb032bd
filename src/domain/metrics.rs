use super::{DeploymentId, EnvRef, Timestamp};
use serde::{Deserialize, Serialize};

/// What series to fetch: an environment's traffic over time (whatever was live), or one
/// deployment's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsQuery {
    pub env: EnvRef,
    pub scope: MetricsScope,
    pub from: Timestamp,
    pub to: Timestamp,
    pub step_secs: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "deployment")]
pub enum MetricsScope {
    Environment,
    Deployment(DeploymentId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricSource {
    /// The deployment platform's own numbers.
    Native,
    Prometheus,
    /// Counted from the platform's proxy logs, 5xx answers only (Temps: its stats count
    /// every status from 400 and log some requests twice, so the adapter counts again).
    ProxyLogs,
}

impl MetricSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Prometheus => "prometheus",
            Self::ProxyLogs => "proxy logs, 5xx",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    pub source: MetricSource,
    pub step_secs: u32,
    /// Oldest first, one point per bucket that has data.
    pub points: Vec<MetricPoint>,
}

/// One time bucket: counts over the bucket and the p95 latency within it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// Start of the bucket.
    pub at: Timestamp,
    /// Which deployment served this bucket, when known.
    pub deployment: Option<DeploymentId>,
    pub requests: f64,
    pub errors: f64,
    pub p95_ms: Option<f64>,
}

impl MetricPoint {
    /// Share of requests answered 5xx, or `None` with no requests (never a fake 0%).
    pub fn error_rate(&self) -> Option<f64> {
        (self.requests > 0.0 && self.errors.is_finite()).then(|| self.errors / self.requests)
    }
}

impl MetricSeries {
    /// Error rate over the whole series, or `None` without requests.
    pub fn overall_error_rate(&self) -> Option<f64> {
        let (requests, errors) = self
            .points
            .iter()
            .filter(|p| p.requests.is_finite() && p.errors.is_finite())
            .fold((0.0, 0.0), |(r, e), p| (r + p.requests, e + p.errors));
        (requests > 0.0).then(|| errors / requests)
    }
}
