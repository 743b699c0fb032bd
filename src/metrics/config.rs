//! `[metrics]`: where error rates come from when the platform's own numbers are not the
//! ones the team trusts.

use super::presets::Preset;
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
/// Each query is a PromQL template; `preset` picks the ones left out. Placeholders:
/// - `{project}`, `{environment}`, `{deployment}`: inside a quoted label value; the value is
///   escaped for the string, and for the regex too after `=~` / `!~`. For the whole
///   environment `{deployment}` becomes `.*`, so it must follow `=~`.
/// - what the backend gives beyond those (`Backend::metric_labels`), such as Kubernetes'
///   `{namespace}`, `{workload}`, `{service}`: inside a quoted label value.
/// - `{window}`: the range of `rate()`, outside quotes: the larger of the step and `window`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "RawPrometheusConfig")]
pub struct PrometheusConfig {
    /// Base URL; a path prefix (`https://host/prometheus`) is kept.
    pub url: String,
    /// Name of the environment variable holding a Bearer token (never the token itself).
    pub token_env: Option<String>,
    /// Where the queries left out come from.
    pub preset: Preset,
    /// Share of requests answered 5xx, a fraction (0.02 = 2%).
    pub error_rate: String,
    /// Requests per second.
    pub request_rate: String,
    /// 95th percentile latency in seconds; an empty string turns latency off.
    pub latency_p95: String,
    /// The smallest `{window}`: at least four scrape intervals, so `rate()` has samples.
    pub window: Duration,
    /// Per request, connection included.
    pub timeout: Duration,
}

/// `[metrics]` as written: queries left out are taken from the preset.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPrometheusConfig {
    #[serde(default = "PrometheusConfig::default_url")]
    url: String,
    #[serde(default)]
    token_env: Option<String>,
    #[serde(default)]
    preset: Preset,
    error_rate: Option<String>,
    request_rate: Option<String>,
    latency_p95: Option<String>,
    #[serde(with = "humantime_serde", default = "PrometheusConfig::default_window")]
    window: Duration,
    #[serde(
        with = "humantime_serde",
        default = "PrometheusConfig::default_timeout"
    )]
    timeout: Duration,
}

impl From<RawPrometheusConfig> for PrometheusConfig {
    fn from(raw: RawPrometheusConfig) -> Self {
        let defaults = raw.preset.queries();
        Self {
            url: raw.url,
            token_env: raw.token_env,
            preset: raw.preset,
            error_rate: raw.error_rate.unwrap_or(defaults.error_rate),
            request_rate: raw.request_rate.unwrap_or(defaults.request_rate),
            latency_p95: raw.latency_p95.unwrap_or(defaults.latency_p95),
            window: raw.window,
            timeout: raw.timeout,
        }
    }
}

impl PrometheusConfig {
    pub fn default_url() -> String {
        "http://127.0.0.1:9090".to_owned()
    }

    pub fn default_window() -> Duration {
        Duration::from_secs(60)
    }

    pub fn default_timeout() -> Duration {
        Duration::from_secs(10)
    }

    /// The defaults with `preset`'s queries.
    pub fn with_preset(preset: Preset) -> Self {
        let queries = preset.queries();
        Self {
            url: Self::default_url(),
            token_env: None,
            preset,
            error_rate: queries.error_rate,
            request_rate: queries.request_rate,
            latency_p95: queries.latency_p95,
            window: Self::default_window(),
            timeout: Self::default_timeout(),
        }
    }
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        Self::with_preset(Preset::default())
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

    #[test]
    fn a_preset_fills_the_queries_left_out() {
        let text = r#"
            kind = "prometheus"
            preset = "ingress-nginx"
            latency-p95 = ""
        "#;
        let MetricsConfig::Prometheus(c) = toml::from_str(text).unwrap();
        let nginx = Preset::IngressNginx.queries();
        assert_eq!(c.preset, Preset::IngressNginx);
        assert_eq!(c.error_rate, nginx.error_rate);
        assert_eq!(c.request_rate, nginx.request_rate);
        assert!(c.error_rate.contains("nginx_ingress_controller_requests"));
        assert_eq!(c.latency_p95, "", "an explicit query wins over the preset");
        for (name, preset) in [
            ("switchback", Preset::Switchback),
            ("gateway-istio", Preset::GatewayIstio),
            ("gateway-envoy", Preset::GatewayEnvoy),
        ] {
            let text = format!("kind = \"prometheus\"\npreset = \"{name}\"");
            let MetricsConfig::Prometheus(c) = toml::from_str(&text).unwrap();
            assert_eq!(c, PrometheusConfig::with_preset(preset));
        }
    }

    #[test]
    fn an_unknown_preset_is_refused_naming_the_key_and_the_choices() {
        let err = toml::from_str::<MetricsConfig>("kind = \"prometheus\"\npreset = \"traefik\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("preset"), "{err}");
        assert!(err.contains("traefik"), "{err}");
        assert!(
            err.contains("ingress-nginx") && err.contains("gateway-envoy"),
            "{err}"
        );
    }
}
