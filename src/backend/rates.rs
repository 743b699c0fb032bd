//! Error rates, apart from the rest of a platform: the platform's own, or another source's
//! (Prometheus) in their place. A source that answers them implements [`ErrorRates`]; a
//! front end holds a [`Platform`]: the backend and the rates it shows for it.

use super::{Backend, BackendError};
use crate::domain::{MetricSeries, MetricsQuery};
use async_trait::async_trait;
use std::ops::Deref;
use std::sync::Arc;

/// Requests, 5xx errors and p95 latency, per time bucket.
#[async_trait]
pub trait ErrorRates: Send + Sync {
    /// The series over `query`'s window.
    async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError>;

    /// The figure for the header: at most one point, the newest bucket ending at `query.to`
    /// (none: no data). The default takes the newest point of `error_rate`; a source with
    /// instant queries answers it directly.
    async fn current_error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        let mut series = self.error_rate(query).await?;
        series.points = series.points.pop().into_iter().collect();
        Ok(series)
    }
}

/// A platform as the console, the commands and `serve` use it: its backend for everything
/// but error rates, and the source of those. It reads as its backend (`Deref`), so only the
/// error-rate calls name the source.
#[derive(Clone)]
pub struct Platform {
    pub backend: Arc<dyn Backend>,
    pub rates: Arc<dyn ErrorRates>,
}

impl Platform {
    /// An adapter with its own error rates.
    pub fn native<B: Backend + ErrorRates + 'static>(adapter: Arc<B>) -> Self {
        Self {
            backend: adapter.clone(),
            rates: adapter,
        }
    }

    /// The same backend, its error rates from `rates` instead.
    pub fn with_rates(self, rates: Arc<dyn ErrorRates>) -> Self {
        Self { rates, ..self }
    }

    pub async fn error_rate(&self, query: &MetricsQuery) -> Result<MetricSeries, BackendError> {
        self.rates.error_rate(query).await
    }

    pub async fn current_error_rate(
        &self,
        query: &MetricsQuery,
    ) -> Result<MetricSeries, BackendError> {
        self.rates.current_error_rate(query).await
    }
}

impl Deref for Platform {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        self.backend.as_ref()
    }
}

impl AsRef<dyn Backend> for Platform {
    fn as_ref(&self) -> &(dyn Backend + 'static) {
        self.backend.as_ref()
    }
}

impl<B: Backend + ErrorRates + 'static> From<Arc<B>> for Platform {
    fn from(adapter: Arc<B>) -> Self {
        Self::native(adapter)
    }
}
