//! `[metrics]`: where error rates come from when the platform's own numbers are not the
//! ones the team trusts.

use serde::Deserialize;
use std::time::Duration;

/// The `[metrics]` table; `kind` picks the source. Absent: the backend's own series.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum MetricsConfig {
    Prometheus(PrometheusConfig),
}

/// A Prometheus server (or anything speaking its HTTP query API: Thanos, Mimir, VictoriaMetrics).
///
/// Each query is a PromQL template. Placeholders:
/// - `{project}`, `{environment}`, `{deployment}`: inside a quoted label value; the value is
///   escaped for the string, and for the regex too after `=~` / `!~`. For the whole
///   environment `{deployment}` becomes `.*`, so it must follow `=~`.
/// - `{window}`: the range of `rate()`, outside quotes: the larger of the step and `window`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PrometheusConfig {
    /// Base URL; a path prefix (`https://host/prometheus`) is kept.
    #[serde(default = "PrometheusConfig::default_url")]
    pub url: String,
    /// Name of the environment variable holding a Bearer token (never the token itself).
    #[serde(default)]
    pub token_env: Option<String>,
    /// Share of requests answered 5xx, a fraction (0.02 = 2%).
    #[serde(default = "PrometheusConfig::default_error_rate")]
    pub error_rate: String,
    /// Requests per second.
    #[serde(default = "PrometheusConfig::default_request_rate")]
    pub request_rate: String,
    /// 95th percentile latency in seconds; an empty string turns latency off.
    #[serde(default = "PrometheusConfig::default_latency_p95")]
    pub latency_p95: String,
    /// The smallest `{window}`: at least four scrape intervals, so `rate()` has samples.
    #[serde(with = "humantime_serde", default = "PrometheusConfig::default_window")]
    pub window: Duration,
    /// Per request, connection included.
    #[serde(
        with = "humantime_serde",
        default = "PrometheusConfig::default_timeout"
    )]
    pub timeout: Duration,
}

/// The label matchers of `switchback serve`'s own metrics.
const SERVE_MATCHERS: &str =
    r#"project="{project}",environment="{environment}",deployment=~"{deployment}""#;

impl PrometheusConfig {
    pub fn default_url() -> String {
        "http://127.0.0.1:9090".to_owned()
    }

    /// Errors over requests of `switchback serve`'s counters. `0/0` (no traffic) is NaN,
    /// and no series at all is an empty answer: both are shown as "no data", never 0%.
    pub fn default_error_rate() -> String {
        format!(
            "sum(rate(switchback_errors_total{{{SERVE_MATCHERS}}}[{{window}}])) / \
             sum(rate(switchback_requests_total{{{SERVE_MATCHERS}}}[{{window}}]))"
        )
    }

    pub fn default_request_rate() -> String {
        format!("sum(rate(switchback_requests_total{{{SERVE_MATCHERS}}}[{{window}}]))")
    }

    pub fn default_latency_p95() -> String {
        format!(
            "histogram_quantile(0.95, sum by (le) \
             (rate(switchback_request_duration_seconds_bucket{{{SERVE_MATCHERS}}}[{{window}}])))"
        )
    }

    pub fn default_window() -> Duration {
        Duration::from_secs(60)
    }

    pub fn default_timeout() -> Duration {
        Duration::from_secs(10)
    }
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        Self {
            url: Self::default_url(),
            token_env: None,
            error_rate: Self::default_error_rate(),
            request_rate: Self::default_request_rate(),
            latency_p95: Self::default_latency_p95(),
            window: Self::default_window(),
            timeout: Self::default_timeout(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_what_is_left_out() {
        let config: MetricsConfig = toml::from_str(r#"kind = "prometheus""#).unwrap();
        assert_eq!(
            config,
            MetricsConfig::Prometheus(PrometheusConfig::default())
        );
    }

    #[test]
    fn every_key_is_read() {
        let text = r#"
            kind = "prometheus"
            url = "https://prom.example.com/prometheus"
            token-env = "PROM_TOKEN"
            error-rate = 'sum(rate(e[{window}]))'
            request-rate = 'sum(rate(r[{window}]))'
            latency-p95 = ""
            window = "30s"
            timeout = "2s"
        "#;
        let MetricsConfig::Prometheus(c) = toml::from_str(text).unwrap();
        assert_eq!(c.url, "https://prom.example.com/prometheus");
        assert_eq!(c.token_env.as_deref(), Some("PROM_TOKEN"));
        assert_eq!(c.error_rate, "sum(rate(e[{window}]))");
        assert_eq!(c.request_rate, "sum(rate(r[{window}]))");
        assert_eq!(c.latency_p95, "");
        assert_eq!(c.window, Duration::from_secs(30));
        assert_eq!(c.timeout, Duration::from_secs(2));
    }

    #[test]
    fn unknown_keys_and_kinds_are_refused() {
        let err = toml::from_str::<MetricsConfig>("kind = \"prometheus\"\ntoken = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("token"), "{err}");
        assert!(toml::from_str::<MetricsConfig>("kind = \"datadog\"").is_err());
    }
}
