//! A Kubernetes preset's queries against a real Prometheus scraping what ingress-nginx
//! exports: the workload's Service is measured, its neighbour's errors are not.

use crate::server::Prometheus;
use crate::support::{STEP, config, query, rates, source, within};
use axum::Router;
use axum::routing::get;
use std::time::Instant;
use switchback::backend::kubernetes::metric_labels;
use switchback::domain::{EnvRef, MetricsScope};
use switchback::metrics::{Preset, PrometheusConfig};

/// `nginx_ingress_controller_requests` for two Services of namespace `shop`, counted from
/// the elapsed time: `web` answers 90 req/s 200 and 10 req/s 500; `api` answers half 500.
fn nginx_metrics(started: Instant) -> String {
    let secs = started.elapsed().as_secs_f64();
    let count = |per_sec: f64| (secs * per_sec).floor();
    let mut out = String::from("# TYPE nginx_ingress_controller_requests counter\n");
    for (service, ok, failed) in [("web", 90.0, 10.0), ("api", 20.0, 20.0)] {
        for (status, per_sec) in [("200", ok), ("500", failed)] {
            out.push_str(&format!(
                "nginx_ingress_controller_requests{{namespace=\"shop\",ingress=\"{service}\",service=\"{service}\",status=\"{status}\"}} {}\n",
                count(per_sec)
            ));
        }
    }
    out.push_str("# TYPE nginx_ingress_controller_request_duration_seconds histogram\n");
    for le in ["0.05", "0.1", "+Inf"] {
        let n = if le == "0.05" { 0.0 } else { count(100.0) };
        out.push_str(&format!(
            "nginx_ingress_controller_request_duration_seconds_bucket{{namespace=\"shop\",service=\"web\",le=\"{le}\"}} {n}\n"
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingress_nginx_preset_measures_the_workloads_service() {
    let started = Instant::now();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/metrics",
        get(move || async move { nginx_metrics(started) }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let prometheus = Prometheus::start(&[addr]).await;
    let base = config(&prometheus);
    let config = PrometheusConfig {
        url: base.url,
        window: base.window,
        timeout: base.timeout,
        ..PrometheusConfig::with_preset(Preset::IngressNginx)
    };
    let source = source(&config);
    let env = EnvRef::new("shop/web", "prod-cluster");
    // The Kubernetes adapter says which namespace and Service the project is.
    let labels = metric_labels(&env.project, &env.environment);
    let series = within(40, "web's error share near 10%", || async {
        let series = source
            .range(
                &query(&env, MetricsScope::Environment, 30, 4),
                &labels,
                None,
            )
            .await
            .map_err(|e| e.to_string())?;
        let near = rates(&series)
            .iter()
            .flatten()
            .any(|r| (r - 0.10).abs() < 0.02);
        if near {
            Ok(series)
        } else {
            Err(format!("{:?}", rates(&series)))
        }
    })
    .await;
    assert_eq!(series.step_secs, STEP);
    for point in series.points.iter().filter(|p| p.error_rate().is_some()) {
        let rate = point.error_rate().unwrap();
        // api's 50% never leaks in: only web's Service is matched.
        assert!(rate < 0.3, "{rate} in {:?}", rates(&series));
    }
    let latency = series.points.iter().filter_map(|p| p.p95_ms).next_back();
    assert!(
        latency.is_some_and(|ms| (50.0..=100.0).contains(&ms)),
        "{latency:?}"
    );
    server.abort();
}
