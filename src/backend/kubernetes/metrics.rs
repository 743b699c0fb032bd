//! Kubernetes has no request metrics of its own; error rates come from Prometheus. These are
//! the default PromQL templates for the usual label conventions, with `{namespace}`,
//! `{service}` and `{deployment}` replaced before a query (a Prometheus metrics source
//! reads them; see `docs/readme/kubernetes.md`).
//!
//! Every template yields one series: a per-second rate over `[{window}]`, `{window}` being
//! the query step (at least `1m`).

/// One set of templates: request rate, 5xx rate, p95 latency in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromTemplates {
    pub name: &'static str,
    pub requests: &'static str,
    pub errors: &'static str,
    pub p95_seconds: &'static str,
}

/// ingress-nginx: `nginx_ingress_controller_requests` (counter, labels `namespace`,
/// `service`, `status`) and `nginx_ingress_controller_request_duration_seconds` (histogram).
pub const INGRESS_NGINX: PromTemplates = PromTemplates {
    name: "ingress-nginx",
    requests: r#"sum(rate(nginx_ingress_controller_requests{namespace="{namespace}",service="{service}"}[{window}]))"#,
    errors: r#"sum(rate(nginx_ingress_controller_requests{namespace="{namespace}",service="{service}",status=~"5.."}[{window}]))"#,
    p95_seconds: r#"histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="{namespace}",service="{service}"}[{window}])))"#,
};

/// Gateway API through Istio (and other Istio-telemetry meshes): `istio_requests_total`
/// and `istio_request_duration_milliseconds`, by destination workload.
pub const GATEWAY_ISTIO: PromTemplates = PromTemplates {
    name: "gateway-istio",
    requests: r#"sum(rate(istio_requests_total{destination_workload_namespace="{namespace}",destination_workload="{deployment}",reporter="destination"}[{window}]))"#,
    errors: r#"sum(rate(istio_requests_total{destination_workload_namespace="{namespace}",destination_workload="{deployment}",reporter="destination",response_code=~"5.."}[{window}]))"#,
    p95_seconds: r#"histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{destination_workload_namespace="{namespace}",destination_workload="{deployment}",reporter="destination"}[{window}]))) / 1000"#,
};

/// Envoy Gateway: `envoy_cluster_upstream_rq` with the cluster named after the route's
/// backend Service (`.../{namespace}/{service}/...`).
pub const GATEWAY_ENVOY: PromTemplates = PromTemplates {
    name: "gateway-envoy",
    requests: r#"sum(rate(envoy_cluster_upstream_rq_total{envoy_cluster_name=~".*/{namespace}/{service}/.*"}[{window}]))"#,
    errors: r#"sum(rate(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~".*/{namespace}/{service}/.*",envoy_response_code_class="5"}[{window}]))"#,
    p95_seconds: r#"histogram_quantile(0.95, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~".*/{namespace}/{service}/.*"}[{window}]))) / 1000"#,
};

pub const ALL: [PromTemplates; 3] = [INGRESS_NGINX, GATEWAY_ISTIO, GATEWAY_ENVOY];

/// The values substituted into a template.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub namespace: &'a str,
    pub service: &'a str,
    pub deployment: &'a str,
    pub window: &'a str,
}

/// Fills a template. Values are label values inside double quotes, so quotes and
/// backslashes in them are escaped (names in Kubernetes cannot hold them anyway).
pub fn render(template: &str, target: Target<'_>) -> String {
    let esc = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    template
        .replace("{namespace}", &esc(target.namespace))
        .replace("{service}", &esc(target.service))
        .replace("{deployment}", &esc(target.deployment))
        .replace("{window}", target.window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let t = Target {
            namespace: "shop",
            service: "web",
            deployment: "web",
            window: "1m",
        };
        for set in ALL {
            for q in [set.requests, set.errors, set.p95_seconds] {
                let out = render(q, t);
                assert!(!out.contains('{') || !out.contains("{namespace}"), "{out}");
                assert!(
                    !out.contains("{window}") && !out.contains("{service}"),
                    "{out}"
                );
                assert!(out.contains("shop"), "{out}");
            }
        }
        assert_eq!(
            render(INGRESS_NGINX.errors, t),
            r#"sum(rate(nginx_ingress_controller_requests{namespace="shop",service="web",status=~"5.."}[1m]))"#
        );
    }
}
