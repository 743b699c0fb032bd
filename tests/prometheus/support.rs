//! What every Prometheus test shares: the config, queries, polling with a deadline, and
//! asking Prometheus directly with a plain HTTP client.

use crate::exporter::{Behaviour, Exporter};
use crate::served::Served;
use crate::server::{Prometheus, reqwest_client};
use chrono::Utc;
use std::future::Future;
use std::time::Duration;
use switchback::backend::MetricLabels;
use switchback::domain::{EnvRef, MetricSeries, MetricsQuery, MetricsScope, Timestamp};
use switchback::metrics::{PrometheusConfig, PrometheusSource, parse_value};

pub const PROJECT: &str = "acme/storefront";
pub const STEP: u32 = 2;
/// `{window}`: five scrapes at one per second.
pub const WINDOW: &str = "5s";

pub fn config(prometheus: &Prometheus) -> PrometheusConfig {
    PrometheusConfig {
        url: prometheus.url.clone(),
        window: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
        ..PrometheusConfig::default()
    }
}

pub fn source(config: &PrometheusConfig) -> PrometheusSource {
    PrometheusSource::with_env(config, |_| None).expect("a usable [metrics] config")
}

/// The last `span` seconds up to `lag` seconds ago. With `lag` above a step plus a scrape,
/// even the newest bucket (its end rounded up to a whole step) holds only ingested samples,
/// so Prometheus answers the same twice.
pub fn query(env: &EnvRef, scope: MetricsScope, span: i64, lag: i64) -> MetricsQuery {
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
pub async fn within<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
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

pub fn rates(series: &MetricSeries) -> Vec<Option<f64>> {
    series.points.iter().map(|p| p.error_rate()).collect()
}

/// Waits until the series has `n` points with an error rate.
pub async fn series_with_rates(
    source: &PrometheusSource,
    make: impl Fn() -> MetricsQuery,
    n: usize,
) -> MetricSeries {
    within(30, "a series with rates", || async {
        let q = make();
        let series = source
            .range(&q, &labels(&q), None)
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
pub async fn ask_range(
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
pub async fn ask_range_raw(
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
pub async fn ask_instant_raw(
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

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// What a backend without placeholders of its own (the demo, `http`) gives for the
/// queried environment.
pub fn labels(query: &MetricsQuery) -> MetricLabels {
    MetricLabels::new("demo", &query.env.project, &query.env.environment)
}

pub fn production() -> EnvRef {
    EnvRef::new(PROJECT, "production")
}

/// Production runs `dep-a` at 10% errors and 70 ms; staging, which must not leak in, runs
/// `dep-s` at 50%.
pub async fn storefront() -> Exporter {
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

/// `switchback serve`'s own router over `platform` on a loopback port: the real `/metrics`
/// a Prometheus scrapes. Stopped when dropped.
pub async fn serve(platform: switchback::backend::demo::DemoBackend) -> Served {
    use std::sync::Arc;
    use switchback::serve::{ServeState, Tokens};
    let state = ServeState::new(Arc::new(platform.clone()), Tokens::default())
        .with_traffic(Arc::new(platform));
    crate::served::serve(state).await
}

/// Asserts that every point of `series` is Prometheus' own answer, asked directly, for the
/// error rate, request rate and p95 of the series matching `sel`.
pub async fn assert_same_as_prometheus(prometheus: &Prometheus, series: &MetricSeries, sel: &str) {
    // Each point stands for the step before Prometheus' evaluation time.
    let step = chrono::Duration::seconds(i64::from(STEP));
    let first = series.points.first().unwrap().at + step;
    let last = series.points.last().unwrap().at + step;
    let errors = ask_range(
        prometheus,
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
        prometheus,
        &format!("sum(rate(switchback_requests_total{{{sel}}}[{WINDOW}]))"),
        first,
        last,
        STEP,
    )
    .await;
    let p95 = ask_range(
        prometheus,
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
    }
}
