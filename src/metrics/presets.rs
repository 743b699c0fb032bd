//! `preset`: the default queries of `[metrics]` for one metrics convention. `switchback`
//! reads the metrics of `switchback serve`; the others read what Kubernetes ingress and
//! gateway controllers export, matched by the workload's namespace and name (derived from
//! the project id `namespace/name` or `namespace/rollouts/name`).
//!
//! Kubernetes labels traffic by Service or workload, never by ReplicaSet, so these queries do
//! not mention `{deployment}`: a revision's figures are the workload's while it was live.

use serde::Deserialize;

/// Which default queries `[metrics]` starts from; explicit queries still override them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Preset {
    /// `switchback serve`'s own counters, labelled `project`, `environment`, `deployment`.
    #[default]
    Switchback,
    /// ingress-nginx: `nginx_ingress_controller_requests` and its duration histogram,
    /// labelled `namespace`, `service`, `status`.
    IngressNginx,
    /// Gateway API through Istio: `istio_requests_total` and
    /// `istio_request_duration_milliseconds`, by destination workload.
    GatewayIstio,
    /// Envoy Gateway: `envoy_cluster_upstream_rq*`, the cluster named
    /// `…/{namespace}/{service}/…`.
    GatewayEnvoy,
}

/// The three queries of a preset, as templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queries {
    pub error_rate: String,
    pub request_rate: String,
    pub latency_p95: String,
}

/// The label matchers of `switchback serve`'s own metrics.
const SERVE: &str = r#"project="{project}",environment="{environment}",deployment=~"{deployment}""#;
const NGINX: &str = r#"namespace="{namespace}",service="{service}""#;
const ISTIO: &str = r#"destination_workload_namespace="{namespace}",destination_workload="{workload}",reporter="destination""#;
const ENVOY: &str = r#"envoy_cluster_name=~".*/{namespace}/{service}/.*""#;

/// `errors / requests`: `0/0` (no traffic) is NaN and shows as "no data", never 0%.
fn ratio(errors: &str, requests: &str) -> String {
    format!("{errors} / {requests}")
}

fn rate(metric: &str, matchers: &str) -> String {
    format!("sum(rate({metric}{{{matchers}}}[{{window}}]))")
}

/// The 95th percentile of a histogram, divided to seconds when it counts milliseconds.
fn p95(bucket: &str, matchers: &str, per_second: u32) -> String {
    let q =
        format!("histogram_quantile(0.95, sum by (le) (rate({bucket}{{{matchers}}}[{{window}}])))");
    if per_second == 1 {
        q
    } else {
        format!("{q} / {per_second}")
    }
}

/// A `preset` naming none of the known ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "[metrics] preset {0:?} is unknown; known presets: switchback, ingress-nginx, gateway-istio, gateway-envoy"
)]
pub struct UnknownPreset(pub String);

impl TryFrom<String> for Preset {
    type Error = UnknownPreset;

    fn try_from(name: String) -> Result<Self, UnknownPreset> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or(UnknownPreset(name))
    }
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Self::Switchback,
        Self::IngressNginx,
        Self::GatewayIstio,
        Self::GatewayEnvoy,
    ];

    /// The name `preset` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Switchback => "switchback",
            Self::IngressNginx => "ingress-nginx",
            Self::GatewayIstio => "gateway-istio",
            Self::GatewayEnvoy => "gateway-envoy",
        }
    }

    pub fn queries(self) -> Queries {
        match self {
            Self::Switchback => {
                let requests = rate("switchback_requests_total", SERVE);
                Queries {
                    error_rate: ratio(&rate("switchback_errors_total", SERVE), &requests),
                    request_rate: requests,
                    latency_p95: p95("switchback_request_duration_seconds_bucket", SERVE, 1),
                }
            }
            Self::IngressNginx => {
                let requests = rate("nginx_ingress_controller_requests", NGINX);
                let errors = rate(
                    "nginx_ingress_controller_requests",
                    &format!(r#"{NGINX},status=~"5..""#),
                );
                Queries {
                    error_rate: ratio(&errors, &requests),
                    request_rate: requests,
                    latency_p95: p95(
                        "nginx_ingress_controller_request_duration_seconds_bucket",
                        NGINX,
                        1,
                    ),
                }
            }
            Self::GatewayIstio => {
                let requests = rate("istio_requests_total", ISTIO);
                let errors = rate(
                    "istio_requests_total",
                    &format!(r#"{ISTIO},response_code=~"5..""#),
                );
                Queries {
                    error_rate: ratio(&errors, &requests),
                    request_rate: requests,
                    latency_p95: p95("istio_request_duration_milliseconds_bucket", ISTIO, 1000),
                }
            }
            Self::GatewayEnvoy => {
                let requests = rate("envoy_cluster_upstream_rq_total", ENVOY);
                let errors = rate(
                    "envoy_cluster_upstream_rq_xx",
                    &format!(r#"{ENVOY},envoy_response_code_class="5""#),
                );
                Queries {
                    error_rate: ratio(&errors, &requests),
                    request_rate: requests,
                    latency_p95: p95("envoy_cluster_upstream_rq_time_bucket", ENVOY, 1000),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Template;

    #[test]
    fn every_preset_is_named_and_its_queries_are_valid_templates() {
        for preset in Preset::ALL {
            assert_eq!(Preset::try_from(preset.name().to_owned()), Ok(preset));
            let q = preset.queries();
            for source in [&q.error_rate, &q.request_rate, &q.latency_p95] {
                Template::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            }
            // The error rate is a share: the errors over the request rate.
            assert!(q.error_rate.ends_with(&format!(" / {}", q.request_rate)));
        }
        let err = Preset::try_from("traefik".to_owned()).unwrap_err();
        assert_eq!(err, UnknownPreset("traefik".into()));
        let shown = err.to_string();
        assert!(
            shown.contains("preset") && shown.contains("gateway-istio"),
            "{shown}"
        );
    }
}
