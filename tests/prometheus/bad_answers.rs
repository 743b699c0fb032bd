//! Each bad answer is shown as what it is: a refused query with Prometheus' text, a stopped
//! server, no data, NaN and infinities, a wrong token.

use crate::server::Prometheus;
use crate::support::*;
use switchback::backend::BackendError;
use switchback::domain::{EnvRef, MetricsScope};
use switchback::metrics::{PrometheusConfig, PrometheusSource};

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
    let range = source(&config)
        .range(&q, &labels(&q), None)
        .await
        .unwrap_err();
    let said = ask_range_raw(&prometheus, broken, q.from, q.to, STEP).await;
    let instant = source(&config)
        .instant(&q, &labels(&q), None)
        .await
        .unwrap_err();
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
    source
        .range(&q, &labels(&q), None)
        .await
        .expect("answers while it runs");
    prometheus.stop();
    for result in [
        source.range(&q, &labels(&q), None).await,
        source.instant(&q, &labels(&q), None).await,
    ] {
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
async fn a_url_that_is_not_prometheus_says_so() {
    let prometheus = Prometheus::start(&[]).await;
    let config = PrometheusConfig {
        url: format!("{}/not-here", prometheus.url),
        ..config(&prometheus)
    };
    let q = query(&production(), MetricsScope::Environment, 20, 0);
    match source(&config).range(&q, &labels(&q), None).await {
        Err(BackendError::Invalid { message }) => {
            assert!(message.contains("no Prometheus query API"), "{message}");
            assert!(message.contains("/not-here"), "{message}");
        }
        other => panic!("expected Invalid, got {other:?}"),
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
    let series = source.range(&q, &labels(&q), None).await.unwrap();
    assert!(series.points.is_empty(), "{series:?}");
    assert_eq!(series.overall_error_rate(), None);
    assert!(
        source
            .instant(&q, &labels(&q), None)
            .await
            .unwrap()
            .points
            .is_empty()
    );
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
        let series = source
            .range(&q, &labels(&q), None)
            .await
            .map_err(|e| e.to_string())?;
        if series.points.len() >= 2 {
            Ok(q)
        } else {
            Err(format!("{series:?}"))
        }
    })
    .await;
    let series = source.range(&q, &labels(&q), None).await.unwrap();
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
        let series = infinite
            .range(&q, &labels(&q), None)
            .await
            .map_err(|e| e.to_string())?;
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
    assert!(
        good.instant(&q, &labels(&q), None)
            .await
            .unwrap()
            .points
            .is_empty()
    );
    assert!(seen.lock().unwrap().iter().all(|a| a == "Bearer s3cret"));

    let wrong = PrometheusSource::with_env(&config, |_| Some("nope".to_owned())).unwrap();
    let err = wrong.instant(&q, &labels(&q), None).await.unwrap_err();
    assert!(matches!(err, BackendError::Unauthorized { .. }), "{err:?}");
    assert!(!format!("{err:?}{err}").contains("nope"));
    server.abort();
}
