//! The figures: equal to Prometheus' own answers, for the right series, falling after a switch.

use crate::exporter::{Behaviour, Exporter};
use crate::server::Prometheus;
use crate::support::*;
use switchback::backend::BackendError;
use switchback::domain::{DeploymentId, EnvRef, MetricSeries, MetricsScope};
use switchback::metrics::{PrometheusConfig, PrometheusSource, parse_value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_equal_prometheus_own_answers() {
    let exporter = storefront().await;
    let prometheus = Prometheus::start(&[exporter.addr]).await;
    let source = source(&config(&prometheus));
    let env = production();
    let make = || query(&env, MetricsScope::Environment, 20, 5);
    let series = series_with_rates(&source, make, 3).await;
    assert_eq!(series.source, switchback::domain::MetricSource::Prometheus);
    assert_eq!(series.step_secs, STEP);

    let sel = format!(r#"project="{PROJECT}",environment="production""#);
    assert_same_as_prometheus(&prometheus, &series, &sel).await;
    for point in &series.points {
        // Production's share and latency, not staging's.
        let rate = point.error_rate().unwrap();
        assert!((0.05..0.15).contains(&rate), "{rate}");
        assert!((50.0..=100.0).contains(&point.p95_ms.unwrap()), "{point:?}");
    }

    // The header figure: one instant query at `to`, over the window.
    let q = make();
    let header = source.instant(&q, &labels(&q), None).await.unwrap();
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
    let series = series_with_rates(&source, || query(&env, scope.clone(), 20, 5), 3).await;
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
    let q = query(&env, MetricsScope::Environment, 20, 5);
    match PrometheusSource::with_env(&config, |_| None)
        .unwrap()
        .range(&q, &labels(&q), None)
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
        let series = source
            .range(&q, &labels(&q), None)
            .await
            .map_err(|e| e.to_string())?;
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
        let series = source
            .range(&q, &labels(&q), None)
            .await
            .map_err(|e| e.to_string())?;
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
