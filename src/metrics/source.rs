//! A Prometheus error-rate source: the configured templates, filled for one environment or
//! deployment, asked as range queries (the panel) or instant queries (the header figure).

use super::api::{PrometheusClient, Token};
use super::config::PrometheusConfig;
use super::promql::{Template, TemplateError, Values};
use super::series::{one_series, points};
use crate::backend::{BackendError, MetricLabels};
use crate::domain::{MetricSeries, MetricSource, MetricsQuery, MetricsScope, Timestamp};
use std::time::Duration;

/// Why `[metrics]` cannot be used, found when the config is read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("[metrics] url {url:?} is not usable: {reason}")]
    Url { url: String, reason: String },
    #[error("[metrics] {key}: {source}")]
    Template {
        key: &'static str,
        source: TemplateError,
    },
    #[error("[metrics] token-env names {name}, which is not set in the environment")]
    MissingToken { name: String },
    #[error("[metrics] window must be at least one second")]
    Window,
}

/// Which configured query a message is about.
const ERROR_RATE: &str = "error-rate";
const REQUEST_RATE: &str = "request-rate";
const LATENCY_P95: &str = "latency-p95";

#[derive(Clone, Debug)]
pub struct PrometheusSource {
    client: PrometheusClient,
    error_rate: Template,
    request_rate: Template,
    latency_p95: Option<Template>,
    window: Duration,
}

impl PrometheusSource {
    /// Checks every template and reads the token from the variable `token-env` names.
    pub fn from_config(config: &PrometheusConfig) -> Result<Self, SetupError> {
        Self::with_env(config, |name| std::env::var(name).ok())
    }

    /// As `from_config`, with the environment given (tests, and callers that hold it).
    pub fn with_env(
        config: &PrometheusConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SetupError> {
        let parse = |key: &'static str, source: &str| {
            Template::parse(source).map_err(|source| SetupError::Template { key, source })
        };
        let error_rate = parse(ERROR_RATE, &config.error_rate)?;
        let request_rate = parse(REQUEST_RATE, &config.request_rate)?;
        let latency_p95 = if config.latency_p95.trim().is_empty() {
            None
        } else {
            Some(parse(LATENCY_P95, &config.latency_p95)?)
        };
        if config.window < Duration::from_secs(1) {
            return Err(SetupError::Window);
        }
        let token = match &config.token_env {
            None => None,
            Some(name) => match env(name).filter(|v| !v.is_empty()) {
                Some(value) => Some(Token::new(value)),
                None => return Err(SetupError::MissingToken { name: name.clone() }),
            },
        };
        let client =
            PrometheusClient::new(&config.url, token, config.timeout).map_err(|reason| {
                SetupError::Url {
                    url: config.url.clone(),
                    reason,
                }
            })?;
        Ok(Self {
            client,
            error_rate,
            request_rate,
            latency_p95,
            window: config.window,
        })
    }

    pub fn client(&self) -> &PrometheusClient {
        &self.client
    }

    /// Whether a query matches deployments by label (`{deployment-label}`), so the caller
    /// must look the label up for a deployment's series.
    pub fn needs_deployment_label(&self) -> bool {
        self.templates().any(Template::uses_deployment_label)
    }

    /// The `{window}` of a query at `step` (zero: an instant query): what a point's rate
    /// covers, ending at its evaluation time.
    pub fn window_for(&self, step: Duration) -> Duration {
        self.window.max(step)
    }

    fn templates(&self) -> impl Iterator<Item = &Template> {
        [&self.error_rate, &self.request_rate]
            .into_iter()
            .chain(self.latency_p95.as_ref())
    }

    /// The panel's series over `[from, to]`, on Prometheus' clock. The window is aligned to
    /// whole steps so successive refreshes show the same buckets (the newest one still
    /// filling); each point stands for the step before its evaluation time. `labels` are
    /// what the backend gives for the environment; `label` is the deployment's label, when
    /// the scope is a deployment and a template uses `{deployment-label}`.
    pub async fn range(
        &self,
        query: &MetricsQuery,
        labels: &MetricLabels,
        label: Option<&str>,
    ) -> Result<MetricSeries, BackendError> {
        let step = step_for(query);
        let window = self.window_for(step);
        let start = align_down(query.from, step);
        // Up, not down: the newest bucket, still filling, is the one on-call watches.
        let end = align_up(query.to, step);
        if end < start {
            return Err(BackendError::invalid(
                "the metrics window ends before it starts",
            ));
        }
        let ask = |key: &'static str, template: &Template| {
            let promql = self.render(template, query, labels, label, window);
            async move {
                let data = self
                    .client
                    .range(&with_key(key, promql)?, start, end, step)
                    .await;
                one_series(key, with_key(key, data)?.into_series()?)
            }
        };
        self.collect(ask, step).await
    }

    /// The header figure: the rate over the last `window` at `query.to`, as a series of at
    /// most one point (none: no data).
    pub async fn instant(
        &self,
        query: &MetricsQuery,
        labels: &MetricLabels,
        label: Option<&str>,
    ) -> Result<MetricSeries, BackendError> {
        let window = self.window_for(Duration::ZERO);
        let at = query.to;
        let ask = |key: &'static str, template: &Template| {
            let promql = self.render(template, query, labels, label, window);
            async move {
                let data = self.client.instant(&with_key(key, promql)?, at).await;
                one_series(key, with_key(key, data)?.into_series()?)
            }
        };
        self.collect(ask, window).await
    }

    /// Asks the three queries at once; the first failure in the order error rate, request
    /// rate, latency is the one reported.
    async fn collect<'a, F, Fut>(
        &'a self,
        ask: F,
        bucket: Duration,
    ) -> Result<MetricSeries, BackendError>
    where
        F: Fn(&'static str, &'a Template) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<super::answer::Sample>, BackendError>>,
    {
        let latency = async {
            match &self.latency_p95 {
                Some(template) => ask(LATENCY_P95, template).await,
                None => Ok(Vec::new()),
            }
        };
        let (errors, requests, latency) = tokio::join!(
            ask(ERROR_RATE, &self.error_rate),
            ask(REQUEST_RATE, &self.request_rate),
            latency
        );
        let (errors, requests, latency) = (errors?, requests?, latency?);
        Ok(MetricSeries {
            source: MetricSource::Prometheus,
            step_secs: bucket.as_secs().max(1) as u32,
            points: points(&errors, &requests, &latency, bucket),
        })
    }

    fn render(
        &self,
        template: &Template,
        query: &MetricsQuery,
        labels: &MetricLabels,
        label: Option<&str>,
        window: Duration,
    ) -> Result<String, BackendError> {
        let (deployment, deployment_label) = match &query.scope {
            MetricsScope::Environment => (None, None),
            MetricsScope::Deployment(id) => {
                let label = label.ok_or_else(|| {
                    BackendError::invalid(format!("the label of deployment {id} is not known"))
                });
                let label = if template.uses_deployment_label() {
                    Some(label?)
                } else {
                    None
                };
                (Some(id.as_str()), label)
            }
        };
        template.render(&Values {
            labels,
            deployment,
            deployment_label,
            window,
        })
    }
}

/// Names the configured query in a refusal, so the engineer knows which one to fix.
fn with_key<T>(key: &str, result: Result<T, BackendError>) -> Result<T, BackendError> {
    result.map_err(|error| match error {
        BackendError::Invalid { message } => BackendError::invalid(format!("{key}: {message}")),
        other => other,
    })
}

/// Prometheus refuses more than 11,000 points per series; a longer window gets a coarser
/// step (the series says which) instead of an error.
const MAX_POINTS: i64 = 11_000;

fn step_for(query: &MetricsQuery) -> Duration {
    let asked = i64::from(query.step_secs.max(1));
    let span = (query.to - query.from).num_seconds().max(0);
    let needed = span.div_euclid(MAX_POINTS - 1) + 1;
    Duration::from_secs(asked.max(needed) as u64)
}

fn align_up(at: Timestamp, step: Duration) -> Timestamp {
    let down = align_down(at, step);
    if down == at {
        at
    } else {
        down + chrono::Duration::milliseconds(step.as_millis() as i64)
    }
}

fn align_down(at: Timestamp, step: Duration) -> Timestamp {
    let step_ms = step.as_millis().max(1) as i64;
    let ms = at.timestamp_millis();
    Timestamp::from_timestamp_millis(ms - ms.rem_euclid(step_ms)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_found_at_start() {
        let config = PrometheusConfig {
            error_rate: "x{a=\"{env}\"}".into(),
            ..PrometheusConfig::default()
        };
        let err = PrometheusSource::with_env(&config, |_| None).unwrap_err();
        assert!(
            matches!(
                err,
                SetupError::Template {
                    key: "error-rate",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("{env}"), "{err}");

        let config = PrometheusConfig {
            token_env: Some("PROM_TOKEN".into()),
            ..PrometheusConfig::default()
        };
        let err = PrometheusSource::with_env(&config, |_| None).unwrap_err();
        assert_eq!(
            err,
            SetupError::MissingToken {
                name: "PROM_TOKEN".into()
            }
        );
        assert!(PrometheusSource::with_env(&config, |_| Some("t".into())).is_ok());

        let config = PrometheusConfig {
            url: "localhost:9090".into(),
            ..PrometheusConfig::default()
        };
        assert!(matches!(
            PrometheusSource::with_env(&config, |_| None),
            Err(SetupError::Url { .. })
        ));
    }

    #[test]
    fn an_empty_latency_query_turns_latency_off() {
        let config = PrometheusConfig {
            latency_p95: " ".into(),
            ..PrometheusConfig::default()
        };
        let source = PrometheusSource::with_env(&config, |_| None).unwrap();
        assert!(source.latency_p95.is_none());
    }

    #[test]
    fn long_windows_get_a_coarser_step() {
        let to = Timestamp::from_timestamp(1_700_000_000, 0).unwrap();
        let q = |hours: i64, step_secs: u32| MetricsQuery {
            env: crate::domain::EnvRef::new("p", "e"),
            scope: MetricsScope::Environment,
            from: to - chrono::Duration::hours(hours),
            to,
            step_secs,
        };
        assert_eq!(step_for(&q(1, 15)), Duration::from_secs(15));
        assert_eq!(step_for(&q(1, 0)), Duration::from_secs(1));
        let day = step_for(&q(24, 1));
        assert!(86_400 / day.as_secs() < 11_000, "{day:?}");
        assert_eq!(day, Duration::from_secs(8));
    }

    #[test]
    fn windows_align_to_whole_steps() {
        let at = Timestamp::from_timestamp(1_700_000_047, 0).unwrap();
        assert_eq!(
            align_down(at, Duration::from_secs(15)).timestamp(),
            1_700_000_040
        );
        assert_eq!(
            align_up(at, Duration::from_secs(15)).timestamp(),
            1_700_000_055
        );
        let whole = Timestamp::from_timestamp(1_700_000_040, 0).unwrap();
        assert_eq!(align_up(whole, Duration::from_secs(15)), whole);
    }
}

#[cfg(test)]
mod preset_tests {
    use super::*;
    use crate::domain::{DeploymentId, EnvRef, EnvironmentId, ProjectId};
    use crate::metrics::Preset;

    /// What the Kubernetes adapter gives for a workload in `namespace` (its own tests check
    /// that it parses project ids so).
    fn kubernetes(project: &str, namespace: &str, workload: &str) -> MetricLabels {
        common("kubernetes", project)
            .with("namespace", namespace)
            .with("workload", workload)
            .with("service", workload)
    }

    /// What the demo gives: what every backend gives.
    fn demo(project: &str) -> MetricLabels {
        common("demo", project)
    }

    fn common(kind: &'static str, project: &str) -> MetricLabels {
        MetricLabels::new(
            kind,
            &ProjectId::new(project),
            &EnvironmentId::new("prod-cluster"),
        )
    }

    /// The three queries of `preset` for `project`'s revision `web-5d8f` at a 60 s window.
    fn rendered(preset: Preset, labels: MetricLabels) -> Result<[String; 3], BackendError> {
        let project = labels.get("project").unwrap().to_owned();
        let config = PrometheusConfig::with_preset(preset);
        let source = PrometheusSource::with_env(&config, |_| None).unwrap();
        let to = Timestamp::from_timestamp(1_700_000_000, 0).unwrap();
        let query = MetricsQuery {
            env: EnvRef::new(project, "prod-cluster"),
            scope: MetricsScope::Deployment(DeploymentId::new("web-5d8f")),
            from: to - chrono::Duration::minutes(5),
            to,
            step_secs: 15,
        };
        let window = Duration::from_secs(60);
        let latency = source.latency_p95.as_ref().unwrap();
        Ok([
            source.render(&source.error_rate, &query, &labels, Some("rev3"), window)?,
            source.render(&source.request_rate, &query, &labels, Some("rev3"), window)?,
            source.render(latency, &query, &labels, Some("rev3"), window)?,
        ])
    }

    #[test]
    fn ingress_nginx_matches_the_namespace_and_the_service_named_after_the_workload() {
        let [errors, requests, latency] =
            rendered(Preset::IngressNginx, kubernetes("shop/web", "shop", "web")).unwrap();
        assert_eq!(
            errors,
            r#"sum(rate(nginx_ingress_controller_requests{namespace="shop",service="web",status=~"5.."}[60s])) / sum(rate(nginx_ingress_controller_requests{namespace="shop",service="web"}[60s]))"#
        );
        assert_eq!(
            requests,
            r#"sum(rate(nginx_ingress_controller_requests{namespace="shop",service="web"}[60s]))"#
        );
        assert_eq!(
            latency,
            r#"histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="shop",service="web"}[60s])))"#
        );
    }

    #[test]
    fn gateway_istio_matches_the_destination_workload_of_a_rollout() {
        let [errors, requests, latency] = rendered(
            Preset::GatewayIstio,
            kubernetes("shop/rollouts/web", "shop", "web"),
        )
        .unwrap();
        let m = r#"destination_workload_namespace="shop",destination_workload="web",reporter="destination""#;
        assert_eq!(
            errors,
            format!(
                r#"sum(rate(istio_requests_total{{{m},response_code=~"5.."}}[60s])) / sum(rate(istio_requests_total{{{m}}}[60s]))"#
            )
        );
        assert_eq!(
            requests,
            format!("sum(rate(istio_requests_total{{{m}}}[60s]))")
        );
        assert_eq!(
            latency,
            format!(
                "histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{{{m}}}[60s]))) / 1000"
            )
        );
    }

    #[test]
    fn gateway_envoy_escapes_the_names_for_its_cluster_regex() {
        // A Deployment name may hold dots; in the cluster-name regex they match only dots.
        let [errors, requests, latency] = rendered(
            Preset::GatewayEnvoy,
            kubernetes("shop/web.v2", "shop", "web.v2"),
        )
        .unwrap();
        let m = r#"envoy_cluster_name=~".*/shop/web\\.v2/.*""#;
        assert_eq!(
            errors,
            format!(
                r#"sum(rate(envoy_cluster_upstream_rq_xx{{{m},envoy_response_code_class="5"}}[60s])) / sum(rate(envoy_cluster_upstream_rq_total{{{m}}}[60s]))"#
            )
        );
        assert_eq!(
            requests,
            format!("sum(rate(envoy_cluster_upstream_rq_total{{{m}}}[60s]))")
        );
        assert_eq!(
            latency,
            format!(
                "histogram_quantile(0.95, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{{{m}}}[60s]))) / 1000"
            )
        );
    }

    #[test]
    fn values_are_escaped_for_the_quoted_label() {
        let [_, requests, _] = rendered(
            Preset::IngressNginx,
            kubernetes(r#"sh"op/we\b"#, r#"sh"op"#, r#"we\b"#),
        )
        .unwrap();
        assert_eq!(
            requests,
            r#"sum(rate(nginx_ingress_controller_requests{namespace="sh\"op",service="we\\b"}[60s]))"#
        );
    }

    #[test]
    fn a_kubernetes_preset_refuses_a_backend_without_kubernetes_labels() {
        let err = rendered(Preset::GatewayIstio, demo("storefront")).unwrap_err();
        assert!(matches!(err, BackendError::Invalid { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("{namespace} has no value for project storefront")
                && message.contains("`demo`"),
            "{message}"
        );
        // The default preset needs nothing but the ids.
        let [errors, ..] = rendered(Preset::Switchback, demo("storefront")).unwrap();
        assert!(errors.contains(r#"deployment=~"web-5d8f""#), "{errors}");
    }
}
