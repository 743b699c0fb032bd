//! The Prometheus error-rate source against a real `prometheus` binary scraping a real
//! `/metrics` endpoint every second.

mod exporter;
mod server;

use chrono::Utc;
use exporter::{Behaviour, Exporter};
use server::{Prometheus, reqwest_client};
use std::future::Future;
use std::time::Duration;
use switchback::backend::BackendError;
use switchback::domain::{
    DeploymentId, EnvRef, MetricSeries, MetricsQuery, MetricsScope, Timestamp,
};
use switchback::metrics::{PrometheusConfig, PrometheusSource, parse_value};

const PROJECT: &str = "acme/storefront";
const STEP: u32 = 2;
/// `{window}`: five scrapes at one per second.
const WINDOW: &str = "5s";

fn config(prometheus: &Prometheus) -> PrometheusConfig {
    PrometheusConfig {
        url: prometheus.url.clone(),
        window: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
        ..PrometheusConfig::default()
    }
}

fn source(config: &PrometheusConfig) -> PrometheusSource {
    PrometheusSource::with_env(config, |_| None).expect("a usable [metrics] config")
}

/// The last `span` seconds up to `lag` seconds ago: samples that old are all ingested,
/// so Prometheus answers the same twice.
fn query(env: &EnvRef, scope: MetricsScope, span: i64, lag: i64) -> MetricsQuery {
    let to = Utc::now() - chrono::Duration::seconds(lag);
    MetricsQuery {
        env: env.clone(),
        scope,
        from: to - chrono::Duration::seconds(span),
        to,
        step_secs: STEP,
    }
}

/// Polls `check` every 250 ms until it gives a value, failing after `secs` seconds with
/// the last thing seen.
async fn within<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match check().await {
            Ok(value) => return value,
            Err(last) if tokio::time::Instant::now() >= deadline => {
                panic!("{what} not seen within {secs} s; last: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

fn rates(series: &MetricSeries) -> Vec<Option<f64>> {
    series.points.iter().map(|p| p.error_rate()).collect()
}

/// Waits until the series has `n` points with an error rate.
async fn series_with_rates(
    source: &PrometheusSource,
    make: impl Fn() -> MetricsQuery,
    n: usize,
) -> MetricSeries {
    within(30, "a series with rates", || async {
        let series = source
            .range(&make(), None)
            .await
            .map_err(|e| e.to_string())?;
        if rates(&series).iter().flatten().count() >= n {
            Ok(series)
        } else {
            Err(format!("{:?}", rates(&series)))
        }
    })
    .await
}

/// Prometheus' own answer, asked with a plain HTTP client: `(unix millis, value)` pairs of
/// the single series (empty without one).
async fn ask_range(
    prometheus: &Prometheus,
    promql: &str,
    start: Timestamp,
    end: Timestamp,
    step: u32,
) -> Vec<(i64, f64)> {
    let answer = ask_range_raw(prometheus, promql, start, end, step).await;
    assert_eq!(answer["status"], "success", "{answer}");
    let result = answer["data"]["result"].as_array().unwrap();
    assert!(result.len() <= 1, "{answer}");
    result
        .first()
        .map(|series| {
            series["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    let at = (v[0].as_f64().unwrap() * 1000.0).round() as i64;
                    (at, parse_value(v[1].as_str().unwrap()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Prometheus' raw JSON answer to a range query.
async fn ask_range_raw(
    prometheus: &Prometheus,
    promql: &str,
    start: Timestamp,
    end: Timestamp,
    step: u32,
) -> serde_json::Value {
    reqwest_client()
        .get(format!("{}/api/v1/query_range", prometheus.url))
        .query(&[
            ("query", promql.to_owned()),
            ("start", start.timestamp().to_string()),
            ("end", end.timestamp().to_string()),
            ("step", step.to_string()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Prometheus' raw JSON answer to an instant query.
async fn ask_instant_raw(
    prometheus: &Prometheus,
    promql: &str,
    at: Timestamp,
) -> serde_json::Value {
    reqwest_client()
        .get(format!("{}/api/v1/query", prometheus.url))
        .query(&[
            ("query", promql.to_owned()),
            (
                "time",
                format!("{:.3}", at.timestamp_millis() as f64 / 1000.0),
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn production() -> EnvRef {
    EnvRef::new(PROJECT, "production")
}

/// Production runs `dep-a` at 10% errors and 70 ms; staging, which must not leak in, runs
/// `dep-s` at 50%.
async fn storefront() -> Exporter {
    let exporter = Exporter::start().await;
    exporter.behaviour(
        "dep-a",
        Behaviour {
            error_share: 0.10,
            latency_secs: 0.07,
        },
    );
    exporter.behaviour(
        "dep-s",
        Behaviour {
            error_share: 0.50,
            latency_secs: 0.3,
        },
    );
    exporter.serve(PROJECT, "production", "dep-a", 200.0);
    exporter.serve(PROJECT, "staging", "dep-s", 200.0);
    exporter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_equal_prometheus_own_answers() {
    let exporter = storefront().await;
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let source = source(&config(&prometheus));
    let env = production();
    let make = || query(&env, MetricsScope::Environment, 20, 3);
    let series = series_with_rates(&source, make, 3).await;
    assert_eq!(series.source, switchback::domain::MetricSource::Prometheus);
    assert_eq!(series.step_secs, STEP);

    // Each point stands for the step before Prometheus' evaluation time.
    let step = chrono::Duration::seconds(i64::from(STEP));
    let first = series.points.first().unwrap().at + step;
    let last = series.points.last().unwrap().at + step;
    let sel = format!(r#"project="{PROJECT}",environment="production""#);
    let errors = ask_range(
        &prometheus,
        &format!(
            "sum(rate(switchback_errors_total{{{sel}}}[{WINDOW}])) / \
             sum(rate(switchback_requests_total{{{sel}}}[{WINDOW}]))"
        ),
        first,
        last,
        STEP,
    )
    .await;
    let rps = ask_range(
        &prometheus,
        &format!("sum(rate(switchback_requests_total{{{sel}}}[{WINDOW}]))"),
        first,
        last,
        STEP,
    )
    .await;
    let p95 = ask_range(
        &prometheus,
        &format!(
            "histogram_quantile(0.95, sum by (le) \
             (rate(switchback_request_duration_seconds_bucket{{{sel}}}[{WINDOW}])))"
        ),
        first,
        last,
        STEP,
    )
    .await;
    assert_eq!(series.points.len(), errors.len(), "{series:?}\n{errors:?}");
    for (i, point) in series.points.iter().enumerate() {
        let at = (point.at + step).timestamp_millis();
        assert_eq!(at, errors[i].0);
        assert_eq!(at, rps[i].0);
        let rate = point.error_rate().expect("traffic gives a rate");
        assert!(close(rate, errors[i].1), "{rate} vs {}", errors[i].1);
        assert!(close(point.requests, rps[i].1 * f64::from(STEP)));
        let p95_ms = point.p95_ms.expect("a latency");
        assert!(close(p95_ms, p95[i].1 * 1000.0), "{p95_ms} vs {}", p95[i].1);
        // Production's share, not staging's.
        assert!((0.05..0.15).contains(&rate), "{rate}");
        assert!((50.0..=100.0).contains(&p95_ms), "{p95_ms}");
    }

    // The header figure: one instant query at `to`, over the window.
    let q = make();
    let header = source.instant(&q, None).await.unwrap();
    let raw = ask_instant_raw(
        &prometheus,
        &format!(
            "sum(rate(switchback_errors_total{{{sel}}}[{WINDOW}])) / \
             sum(rate(switchback_requests_total{{{sel}}}[{WINDOW}]))"
        ),
        q.to,
    )
    .await;
    let expected = parse_value(raw["data"]["result"][0]["value"][1].as_str().unwrap()).unwrap();
    assert_eq!(header.points.len(), 1, "{header:?}");
    assert!(close(header.points[0].error_rate().unwrap(), expected));
    assert_eq!(
        header.points[0].at.timestamp_millis(),
        (q.to - chrono::Duration::seconds(5)).timestamp_millis()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_query_shows_prometheus_own_error_text() {
    let exporter = storefront().await;
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let config = PrometheusConfig {
        error_rate: "sum(rate(switchback_errors_total[{window}])) /".into(),
        ..config(&prometheus)
    };
    let broken = "sum(rate(switchback_errors_total[5s])) /";
    let q = query(&production(), MetricsScope::Environment, 20, 0);
    let range = source(&config).range(&q, None).await.unwrap_err();
    let said = ask_range_raw(&prometheus, broken, q.from, q.to, STEP).await;
    let instant = source(&config).instant(&q, None).await.unwrap_err();
    let said_instant = ask_instant_raw(&prometheus, broken, q.to).await;
    for (err, said) in [(range, said), (instant, said_instant)] {
        let text = said["error"]
            .as_str()
            .expect("Prometheus explains the refusal");
        match &err {
            BackendError::Invalid { message } => {
                assert!(message.starts_with("error-rate: "), "{message}");
                assert!(message.contains(text), "{message} lacks {text}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_is_transient_with_the_cause() {
    let exporter = storefront().await;
    let mut prometheus = Prometheus::start(&[exporter.addr]).await;
    let source = source(&config(&prometheus));
    let q = query(&production(), MetricsScope::Environment, 20, 0);
    source.range(&q, None).await.expect("answers while it runs");
    prometheus.stop();
    for result in [source.range(&q, None).await, source.instant(&q, None).await] {
        match result {
            Err(BackendError::Transient { message }) => {
                assert!(message.contains(&prometheus.url), "{message}");
                assert!(message.contains("connection refused"), "{message}");
            }
            other => panic!("expected Transient, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_series_is_no_data_never_zero() {
    let exporter = storefront().await;
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let source = source(&config(&prometheus));
    let env = production();
    // Prometheus has production's data...
    series_with_rates(&source, || query(&env, MetricsScope::Environment, 20, 0), 1).await;
    // ...and none for a project it never saw.
    let nowhere = EnvRef::new("acme/nowhere", "production");
    let q = query(&nowhere, MetricsScope::Environment, 20, 0);
    let series = source.range(&q, None).await.unwrap();
    assert!(series.points.is_empty(), "{series:?}");
    assert_eq!(series.overall_error_rate(), None);
    assert!(source.instant(&q, None).await.unwrap().points.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nan_and_infinities_keep_their_points_without_a_rate() {
    let exporter = storefront().await;
    // An idle environment: counters exist and never move, so errors/requests is 0/0.
    exporter.serve(PROJECT, "preview", "dep-idle", 0.0);
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let idle = EnvRef::new(PROJECT, "preview");
    let source = source(&config(&prometheus));
    let q = within(30, "idle points", || async {
        let q = query(&idle, MetricsScope::Environment, 20, 0);
        let series = source.range(&q, None).await.map_err(|e| e.to_string())?;
        if series.points.len() >= 2 {
            Ok(q)
        } else {
            Err(format!("{series:?}"))
        }
    })
    .await;
    let series = source.range(&q, None).await.unwrap();
    let sel = format!(r#"project="{PROJECT}",environment="preview""#);
    let said = ask_instant_raw(
        &prometheus,
        &format!(
            "sum(rate(switchback_errors_total{{{sel}}}[{WINDOW}])) / \
             sum(rate(switchback_requests_total{{{sel}}}[{WINDOW}]))"
        ),
        series.points.last().unwrap().at + chrono::Duration::seconds(i64::from(STEP)),
    )
    .await;
    assert_eq!(said["data"]["result"][0]["value"][1], "NaN", "{said}");
    for point in &series.points {
        assert_eq!(point.requests, 0.0);
        assert!(point.errors.is_nan());
        assert_eq!(point.error_rate(), None, "0/0 is not 0%");
        assert_eq!(point.p95_ms, None, "no requests, no latency");
    }

    // Errors over nothing: Prometheus answers +Inf; the point is kept without a rate.
    let config = PrometheusConfig {
        error_rate: r#"sum(rate(switchback_errors_total{project="{project}",environment="{environment}"}[{window}])) / 0"#.into(),
        ..config(&prometheus)
    };
    let infinite = PrometheusSource::with_env(&config, |_| None).unwrap();
    let busy = production();
    let series = within(30, "infinite points", || async {
        let q = query(&busy, MetricsScope::Environment, 20, 0);
        let series = infinite.range(&q, None).await.map_err(|e| e.to_string())?;
        if series.points.iter().any(|p| p.errors == f64::INFINITY) {
            Ok(series)
        } else {
            Err(format!("{series:?}"))
        }
    })
    .await;
    for point in &series.points {
        assert_eq!(point.error_rate(), None, "{point:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_values_are_escaped_for_strings_and_regexes() {
    let exporter = Exporter::start().await;
    // A project with a quote and a backslash; two deployments a naive regex would confuse.
    let project = r#"we"ird\shop"#;
    exporter.behaviour(
        "v1.2",
        Behaviour {
            error_share: 0.10,
            latency_secs: 0.02,
        },
    );
    exporter.behaviour(
        "v1x2",
        Behaviour {
            error_share: 0.60,
            latency_secs: 0.02,
        },
    );
    exporter.serve(project, "production", "v1.2", 100.0);
    exporter.serve(project, "production", "v1x2", 100.0);
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let source = source(&config(&prometheus));
    let env = EnvRef::new(project, "production");
    let scope = MetricsScope::Deployment(DeploymentId::new("v1.2"));
    let series = series_with_rates(&source, || query(&env, scope.clone(), 20, 3), 3).await;
    let step = chrono::Duration::seconds(i64::from(STEP));
    let sel = r#"project="we\"ird\\shop",environment="production",deployment="v1.2""#;
    let expected = ask_range(
        &prometheus,
        &format!(
            "sum(rate(switchback_errors_total{{{sel}}}[{WINDOW}])) / \
             sum(rate(switchback_requests_total{{{sel}}}[{WINDOW}]))"
        ),
        series.points[0].at + step,
        series.points.last().unwrap().at + step,
        STEP,
    )
    .await;
    assert_eq!(series.points.len(), expected.len());
    for (point, (_, value)) in series.points.iter().zip(&expected) {
        let rate = point.error_rate().unwrap();
        assert!(close(rate, *value), "{rate} vs {value}");
        assert!((0.05..0.15).contains(&rate), "only v1.2's share: {rate}");
    }

    // Without aggregation the environment answers two series: refused, with the labels.
    let config = PrometheusConfig {
        error_rate: r#"rate(switchback_errors_total{project="{project}",deployment=~"{deployment}"}[{window}])"#.into(),
        ..config(&prometheus)
    };
    let q = query(&env, MetricsScope::Environment, 20, 3);
    match PrometheusSource::with_env(&config, |_| None)
        .unwrap()
        .range(&q, None)
        .await
    {
        Err(BackendError::Invalid { message }) => {
            assert!(message.starts_with("error-rate: "), "{message}");
            assert!(message.contains("2 series"), "{message}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_back_shows_as_a_falling_error_rate() {
    let exporter = Exporter::start().await;
    exporter.behaviour(
        "dep-bad",
        Behaviour {
            error_share: 0.40,
            latency_secs: 0.2,
        },
    );
    exporter.behaviour(
        "dep-good",
        Behaviour {
            error_share: 0.01,
            latency_secs: 0.02,
        },
    );
    exporter.serve(PROJECT, "production", "dep-bad", 200.0);
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let source = source(&config(&prometheus));
    let env = production();
    let newest = |series: &MetricSeries| series.points.last().and_then(|p| p.error_rate());
    within(30, "the bad deployment's error rate", || async {
        let q = query(&env, MetricsScope::Environment, 30, 0);
        let series = source.range(&q, None).await.map_err(|e| e.to_string())?;
        match newest(&series) {
            Some(rate) if rate > 0.3 => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    // Traffic moves to the good deployment.
    exporter.serve(PROJECT, "production", "dep-good", 200.0);
    exporter.serve(PROJECT, "production", "dep-bad", 0.0);
    let series = within(15, "the error rate falling", || async {
        let q = query(&env, MetricsScope::Environment, 30, 0);
        let series = source.range(&q, None).await.map_err(|e| e.to_string())?;
        match newest(&series) {
            Some(rate) if rate < 0.05 => Ok(series),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // The same series still shows the bad stretch before the fall.
    assert!(
        rates(&series).iter().flatten().any(|r| *r > 0.3),
        "{series:?}"
    );
}

/// Prometheus itself has no bearer tokens; the proxies in front of it do. This one answers
/// only with the right token and records what it was sent.
#[tokio::test]
async fn the_bearer_token_from_the_environment_is_sent() {
    use axum::http::{HeaderMap, StatusCode};
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/prom/api/v1/query",
        axum::routing::get(move |headers: HeaderMap| {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            record.lock().unwrap().push(auth.clone());
            async move {
                if auth == "Bearer s3cret" {
                    (
                        StatusCode::OK,
                        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
                    )
                } else {
                    (StatusCode::UNAUTHORIZED, "no")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/prom", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = PrometheusConfig {
        url,
        token_env: Some("PROM_TOKEN".into()),
        ..PrometheusConfig::default()
    };
    let q = query(&production(), MetricsScope::Environment, 20, 0);
    let good = PrometheusSource::with_env(&config, |name| {
        (name == "PROM_TOKEN").then(|| "s3cret".to_owned())
    })
    .unwrap();
    assert!(good.instant(&q, None).await.unwrap().points.is_empty());
    assert!(seen.lock().unwrap().iter().all(|a| a == "Bearer s3cret"));

    let wrong = PrometheusSource::with_env(&config, |_| Some("nope".to_owned())).unwrap();
    let err = wrong.instant(&q, None).await.unwrap_err();
    assert!(matches!(err, BackendError::Unauthorized { .. }), "{err:?}");
    assert!(!format!("{err:?}{err}").contains("nope"));
    server.abort();
}

/// The README's example is the real defaults, and every template in it is accepted.
#[test]
fn the_documented_config_is_the_default_and_every_example_parses() {
    use switchback::metrics::{MetricsConfig, Template};
    let doc = include_str!("../../docs/readme/prometheus.md");
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2);
    let config: switchback::config::Config = toml::from_str(blocks[0]).unwrap();
    let Some(MetricsConfig::Prometheus(shown)) = config.metrics else {
        panic!("the example has a [metrics] table")
    };
    assert_eq!(
        shown,
        PrometheusConfig {
            token_env: Some("PROM_TOKEN".into()),
            ..PrometheusConfig::default()
        }
    );
    for line in blocks[1..].iter().flat_map(|b| b.lines()) {
        if let Some((_, value)) = line.split_once(" = ") {
            let value: toml::Value = toml::from_str(&format!("v = {value}")).unwrap();
            let source = value["v"].as_str().unwrap();
            Template::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        }
    }
}

mod demo_platform {
    //! The decorator over the demo platform: everything from the platform, error rates from
    //! Prometheus scraping the platform's traffic.

    use super::*;
    use std::sync::Arc;
    use switchback::backend::demo::{DemoBackend, Scenario};
    use switchback::backend::{Backend, Identity, OperationRequest, Role};
    use switchback::clock::SystemClock;
    use switchback::domain::{MetricSource, Strategy};
    use switchback::metrics::{MetricsConfig, with_metrics};

    fn demo() -> DemoBackend {
        DemoBackend::new(
            Scenario::load("bad-deploy").unwrap(),
            Arc::new(SystemClock),
            Identity {
                actor: "alice".into(),
                role: Role::Deployer,
            },
        )
    }

    async fn live_id(backend: &dyn Backend, env: &EnvRef) -> DeploymentId {
        backend
            .get_environment(env)
            .await
            .unwrap()
            .live
            .expect("a live deployment")
    }

    async fn id_of(backend: &dyn Backend, env: &EnvRef, label: &str) -> DeploymentId {
        let page = backend
            .list_deployments(env, switchback::backend::PageRequest::first(200))
            .await
            .unwrap();
        page.items
            .into_iter()
            .find(|d| d.label == label)
            .unwrap()
            .id
    }

    fn env_query(backend: &dyn Backend, env: &EnvRef) -> MetricsQuery {
        let to = backend.now();
        MetricsQuery {
            env: env.clone(),
            scope: MetricsScope::Environment,
            from: to - chrono::Duration::seconds(40),
            to,
            step_secs: STEP,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rollback_shows_as_a_falling_error_rate_within_15_s() {
        let platform = demo();
        let exporter = Exporter::for_demo(platform.clone()).await;
        let prometheus = Prometheus::start(&[exporter.addr]).await;
        let metrics = MetricsConfig::Prometheus(config(&prometheus));
        let backend = with_metrics(Arc::new(platform), Some(&metrics)).unwrap();
        let env = production();
        let bad = live_id(backend.as_ref(), &env).await;
        let good = id_of(backend.as_ref(), &env, "v41").await;

        // v42 answers about 8% of requests with a 5xx.
        within(30, "v42's error rate", || async {
            let series = backend.error_rate(&env_query(backend.as_ref(), &env)).await;
            let series = series.map_err(|e| e.to_string())?;
            match series.points.last() {
                Some(p) if p.error_rate().is_some_and(|r| r > 0.03) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
        let header = backend
            .current_error_rate(&env_query(backend.as_ref(), &env))
            .await
            .unwrap();
        assert_eq!(header.source, MetricSource::Prometheus);
        assert_eq!(header.points.len(), 1, "{header:?}");

        backend
            .rollback(OperationRequest {
                env: env.clone(),
                target: good.clone(),
                expected_live: Some(bad.clone()),
                idempotency_key: "rollback-1".into(),
                actor: "alice".into(),
                strategy: Some(Strategy::Immediate),
                scope: Default::default(),
            })
            .await
            .unwrap();

        let series = within(15, "the error rate falling after the rollback", || async {
            let series = backend.error_rate(&env_query(backend.as_ref(), &env)).await;
            let series = series.map_err(|e| e.to_string())?;
            match series.points.last() {
                Some(p) if p.error_rate().is_some_and(|r| r < 0.01) => Ok(series),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
        assert_eq!(series.source, MetricSource::Prometheus);
        // The fall is in the same series, and each point says who served it.
        // Points whose window saw both deployments name neither.
        let by = |d: &DeploymentId| -> Vec<f64> {
            let points = series
                .points
                .iter()
                .filter(|p| p.deployment.as_ref() == Some(d));
            points.filter_map(|p| p.error_rate()).collect()
        };
        assert!(!by(&bad).is_empty(), "{series:?}");
        assert!(by(&bad).iter().all(|r| *r > 0.03), "{series:?}");
        assert!(by(&good).iter().all(|r| *r < 0.03), "{series:?}");
        assert_eq!(series.points.last().unwrap().deployment, Some(good));
    }

    #[tokio::test]
    async fn without_metrics_the_platform_numbers_stay() {
        let platform: Arc<dyn Backend> = Arc::new(demo());
        let backend = with_metrics(platform, None).unwrap();
        let env = production();
        let series = backend
            .error_rate(&env_query(backend.as_ref(), &env))
            .await
            .unwrap();
        assert_eq!(series.source, MetricSource::Native);
    }
}

/// The commented `[metrics]` section of config.example.toml, uncommented, is the defaults.
#[test]
fn the_example_config_metrics_section_is_the_default() {
    use switchback::metrics::MetricsConfig;
    let example = include_str!("../../config.example.toml");
    let section = example
        .split_once("# [metrics]")
        .map(|(_, rest)| rest)
        .expect("config.example.toml documents [metrics]");
    let mut uncommented = String::from("[metrics]\n");
    for line in section.lines() {
        let Some(line) = line.strip_prefix("# ") else {
            continue;
        };
        let is_key = line
            .split_once(" = ")
            .is_some_and(|(key, _)| key.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        if is_key {
            uncommented.push_str(line);
            uncommented.push('\n');
        }
    }
    let config: switchback::config::Config = toml::from_str(&uncommented).unwrap();
    assert_eq!(
        config.metrics,
        Some(MetricsConfig::Prometheus(PrometheusConfig {
            token_env: Some("PROM_TOKEN".into()),
            ..PrometheusConfig::default()
        })),
        "{uncommented}"
    );
}

/// The real binary refuses a bad `[metrics]` at start, naming the key, before any call.
#[test]
fn a_bad_metrics_table_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[metrics]\nkind = \"prometheus\"\nerror-rate = 'x{a=\"{env}\"}'\n",
    )
    .unwrap();
    let output = assert_cmd::Command::cargo_bin("switchback")
        .unwrap()
        .arg("--config")
        .arg(&path)
        .arg("status")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[metrics] error-rate: unknown placeholder {env}"),
        "{stderr}"
    );
}
