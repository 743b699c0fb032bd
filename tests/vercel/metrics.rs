//! The error-rate panel from Vercel's observability query, and what it says without
//! Observability Plus.

use super::*;
use switchback::backend::{BackendError, ErrorRates};
use switchback::domain::{MetricsQuery, MetricsScope};

const QUERY: &str = "POST /v2/observability/query";

fn window(h: &Harness, scope: MetricsScope) -> MetricsQuery {
    use switchback::clock::Clock;
    let to = h.clock.now();
    MetricsQuery {
        env: production(),
        scope,
        from: to - chrono::Duration::minutes(15),
        to,
        step_secs: 60,
    }
}

#[tokio::test]
async fn the_rate_is_5xx_over_all_requests_per_minute() {
    let h = standard().await;
    h.fake.with(|s| {
        s.observability = true;
        s.observability_rows = serde_json::from_value(serde_json::json!([
            {"timestamp": "2025-11-13T03:00:00.000Z", "http_status": "200", "vercel_request_count_sum": 950},
            {"timestamp": "2025-11-13T03:00:00.000Z", "http_status": "500", "vercel_request_count_sum": 50},
            {"timestamp": "2025-11-13T03:01:00.000Z", "http_status": "200", "vercel_request_count_sum": 100},
        ]))
        .unwrap();
    });
    let series = h
        .backend
        .error_rate(&window(&h, MetricsScope::Deployment(id(LIVE))))
        .await
        .unwrap();
    assert_eq!(series.points.len(), 2);
    assert_eq!(series.points[0].error_rate(), Some(0.05));
    assert_eq!(series.points[1].error_rate(), Some(0.0));
    assert_eq!(series.points[0].deployment.as_ref().unwrap().as_str(), LIVE);
    let sent = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route.as_deref() == Some(QUERY))
        .unwrap();
    let body = sent.body.clone().unwrap();
    assert_eq!(body["filter"], "environment eq 'production'");
    assert_eq!(body["scope"]["projectIds"][0], PROJECT);
    assert_eq!(body["scope"]["ownerId"], TEAM_ID);
    assert_eq!(body["groupBy"][0], "http_status");
    assert_eq!(sent.param("teamId"), Some(TEAM_ID));
    h.fake.assert_conforms();
}

#[tokio::test]
async fn without_observability_plus_the_panel_says_how_to_get_rates() {
    let h = standard().await;
    let err = h
        .backend
        .error_rate(&window(&h, MetricsScope::Environment))
        .await
        .unwrap_err();
    let BackendError::Precondition { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("Observability Plus") && message.contains("prometheus"),
        "{message}"
    );
    // Believed for a while: the panel's refreshes do not ask again.
    let again = h
        .backend
        .error_rate(&window(&h, MetricsScope::Environment))
        .await
        .unwrap_err();
    assert_eq!(again, err);
    assert_eq!(h.fake.calls(QUERY), 1);
    h.clock.advance(std::time::Duration::from_secs(11 * 60));
    h.backend
        .error_rate(&window(&h, MetricsScope::Environment))
        .await
        .unwrap_err();
    assert_eq!(h.fake.calls(QUERY), 2);
}
