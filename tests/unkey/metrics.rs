//! The error-rate panel from `analytics.getGatewayRequests`.

use super::*;
use serde_json::json;
use switchback::backend::BackendError;
use switchback::backend::ErrorRates as _;
use switchback::domain::{MetricSource, MetricsQuery, MetricsScope};

fn query(scope: MetricsScope) -> MetricsQuery {
    let to = chrono::DateTime::from_timestamp(1_764_000_600, 0).unwrap();
    MetricsQuery {
        env: production(),
        scope,
        from: to - chrono::Duration::minutes(10),
        to,
        step_secs: 60,
    }
}

#[tokio::test]
async fn error_rate_comes_from_gateway_requests_per_bucket() {
    let mut state = world();
    state.analytics_rows = vec![
        json!({"bucket": 1_764_000_000_000i64, "deployment_id": LIVE, "status_class": 2, "requests": "80", "p95_ms": 35.5}),
        json!({"bucket": 1_764_000_000_000i64, "deployment_id": LIVE, "status_class": 5, "requests": "20", "p95_ms": 1200.0}),
        json!({"bucket": 1_764_000_060_000i64, "deployment_id": GOOD, "status_class": 2, "requests": 50, "p95_ms": 30.0}),
    ];
    let h = harness(state).await;
    let series = h
        .backend
        .error_rate(&query(MetricsScope::Environment))
        .await
        .unwrap();
    assert_eq!(series.source, MetricSource::Native);
    assert_eq!(series.points.len(), 2);
    assert_eq!(series.points[0].error_rate(), Some(0.2));
    assert_eq!(series.points[0].deployment.as_ref().unwrap().as_str(), LIVE);
    assert_eq!(series.points[1].error_rate(), Some(0.0));
    let sql = h.fake.with(|s| s.queries.last().cloned().unwrap());
    assert!(sql.contains("environment_id = 'env_prod0001'"), "{sql}");
    assert!(
        sql.contains("time >= 1764000000000") && sql.contains("time < 1764000600000"),
        "{sql}"
    );
    assert!(
        sql.contains("GROUP BY bucket, deployment_id, status_class"),
        "{sql}"
    );

    h.backend
        .error_rate(&query(MetricsScope::Deployment(id(GOOD))))
        .await
        .unwrap();
    let sql = h.fake.with(|s| s.queries.last().cloned().unwrap());
    assert!(sql.contains(&format!("deployment_id = '{GOOD}'")), "{sql}");
    h.fake.assert_conforms();
}

#[tokio::test]
async fn ids_that_could_break_the_sql_never_reach_unkey() {
    let mut state = world();
    state.envs[0].id = "env_x' OR 1=1 --".to_owned();
    let h = harness(state).await;
    let err = h
        .backend
        .error_rate(&query(MetricsScope::Environment))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Invalid { .. }), "{err:?}");
    let err = h
        .backend
        .error_rate(&query(MetricsScope::Deployment(id("d_1' UNION SELECT 1"))))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Invalid { .. }), "{err:?}");
    assert_eq!(h.fake.calls("analytics.getGatewayRequests"), 0);
}
