//! Error-rate sources. Without `[metrics]` the platform's own series are shown; with a
//! `prometheus` source, [`WithPrometheus`] answers `error_rate` from Prometheus and passes
//! everything else to the platform.

mod answer;
mod api;
mod config;
mod decorator;
mod presets;
mod promql;
mod series;
mod source;

pub use answer::{QueryData, RangeSeries, Sample, parse_value};
pub use api::{PrometheusClient, Token};
pub use config::{MetricsConfig, PrometheusConfig};
pub use decorator::{WithPrometheus, with_metrics};
pub use presets::{Preset, Queries, UnknownPreset};
pub use promql::{Template, TemplateError, Values, promql_duration};
pub use source::{PrometheusSource, SetupError};
