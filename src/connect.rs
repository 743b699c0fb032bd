//! From the chosen `[[backends]]` entry to a ready backend: the adapter its kind builds, with
//! its error rates from `[metrics]` when that is configured. It sits above both `backend` and
//! `metrics`, so neither builds the other.

use crate::backend::Platform;
use crate::backend::registry::{BackendConfig, BuildError};
use crate::metrics::{MetricsConfig, SetupError, with_metrics};

/// Why the chosen entry cannot be used; each message names the entry or `[metrics]`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Backend(#[from] BuildError),
    #[error(transparent)]
    Metrics(#[from] SetupError),
}

/// The entry's adapter on the clock its kind picks; with `metrics`, its error rates come from
/// there.
pub fn backend(
    entry: &BackendConfig,
    metrics: Option<&MetricsConfig>,
) -> Result<Platform, ConnectError> {
    let adapter = entry.build(entry.clock())?;
    Ok(with_metrics(adapter, metrics)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::PrometheusConfig;

    #[test]
    fn without_metrics_the_adapter_itself_answers_with_its_own_series() {
        let backend = backend(&BackendConfig::default_demo(), None).unwrap();
        assert_eq!(backend.kind(), "demo");
        assert!(backend.capabilities().native_metrics);
    }

    #[test]
    fn a_bad_metrics_table_or_entry_is_refused_naming_it() {
        let metrics = MetricsConfig::Prometheus(PrometheusConfig {
            error_rate: "x{a=\"{env}\"}".into(),
            ..PrometheusConfig::default()
        });
        let error = backend(&BackendConfig::default_demo(), Some(&metrics))
            .err()
            .expect("an unknown placeholder");
        assert!(matches!(error, ConnectError::Metrics(_)), "{error}");
        assert!(error.to_string().contains("{env}"), "{error}");

        let mut demo = crate::backend::demo::DemoBackendConfig::new("mine");
        demo.scenario = "no-such-scenario".into();
        let error = backend(&BackendConfig::Demo(demo), None)
            .err()
            .expect("an unknown scenario");
        assert!(matches!(error, ConnectError::Backend(_)), "{error}");
        assert!(error.to_string().contains("backend `mine`"), "{error}");
    }
}
