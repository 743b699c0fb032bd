//! The traffic model: error rate per bucket, the past before start, cumulative counters.

use crate::support::*;
use switchback::backend::Backend;
use switchback::backend::ErrorRates as _;
use switchback::domain::{MetricSource, MetricsQuery, MetricsScope};

fn window(
    env: &switchback::domain::EnvRef,
    from_mins_ago: i64,
    now: switchback::domain::Timestamp,
    step: u32,
) -> MetricsQuery {
    MetricsQuery {
        env: env.clone(),
        scope: MetricsScope::Environment,
        from: now - chrono::Duration::minutes(from_mins_ago),
        to: now,
        step_secs: step,
    }
}

#[tokio::test]
async fn bad_deploy_shows_fifteen_minutes_of_past_traffic_with_v42_failing() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    let series = demo
        .backend
        .error_rate(&window(&env, 15, t0(), 60))
        .await
        .unwrap();
    assert_eq!(series.source, MetricSource::Native);
    assert_eq!(series.points.len(), 15);
    let (old, new): (Vec<_>, Vec<_>) = series
        .points
        .iter()
        .partition(|p| p.at < t0() - chrono::Duration::minutes(6));
    assert!(old.iter().all(|p| p.deployment.as_ref() == Some(&v41)));
    assert!(new.iter().all(|p| p.deployment.as_ref() == Some(&v42)));
    let rate = |pts: &[&switchback::domain::MetricPoint]| {
        pts.iter().map(|p| p.errors).sum::<f64>() / pts.iter().map(|p| p.requests).sum::<f64>()
    };
    let (old_rate, new_rate) = (rate(&old), rate(&new));
    assert!(old_rate < 0.005, "v41 was healthy: {old_rate}");
    assert!(
        (0.06..0.10).contains(&new_rate),
        "v42 fails ~8%: {new_rate}"
    );
    assert!(new.iter().all(|p| p.p95_ms.unwrap() > 300.0));
}

#[tokio::test]
async fn a_rollback_visibly_brings_the_error_rate_down() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    demo.backend
        .rollback(request(&env, &v41, "k"))
        .await
        .unwrap();
    demo.advance(300);
    let now = t0() + chrono::Duration::minutes(5);
    let series = demo
        .backend
        .error_rate(&window(&env, 5, now, 60))
        .await
        .unwrap();
    assert_eq!(series.points.len(), 5);
    let errors: f64 = series.points.iter().map(|p| p.errors).sum();
    let requests: f64 = series.points.iter().map(|p| p.requests).sum();
    assert!(errors / requests < 0.005, "{}", errors / requests);
}

#[tokio::test]
async fn a_deployment_series_only_covers_the_time_it_was_live() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v42 = demo.id(&env, "v42").await;
    let mut q = window(&env, 15, t0(), 60);
    q.scope = MetricsScope::Deployment(v42);
    let series = demo.backend.error_rate(&q).await.unwrap();
    assert_eq!(series.points.len(), 6);
    assert!(
        series
            .points
            .iter()
            .all(|p| p.at >= t0() - chrono::Duration::minutes(6))
    );
}

#[tokio::test]
async fn buckets_without_traffic_have_no_point() {
    let demo = Demo::new("bad-deploy");
    // Previews get no requests: no points, never zeros.
    let preview = switchback::domain::EnvRef::new("acme/storefront", "preview-gift-cards");
    let series = demo
        .backend
        .error_rate(&window(&preview, 30, t0(), 60))
        .await
        .unwrap();
    assert!(series.points.is_empty());
    // Nothing is served in the future either.
    let mut q = window(&prod(), 0, t0(), 60);
    q.to = t0() + chrono::Duration::minutes(10);
    assert!(demo.backend.error_rate(&q).await.unwrap().points.is_empty());
}

#[tokio::test]
async fn the_same_scenario_gives_the_same_numbers() {
    let a = Demo::new("bad-deploy");
    let b = Demo::new("bad-deploy");
    let q = window(&prod(), 15, t0(), 10);
    assert_eq!(
        a.backend.error_rate(&q).await.unwrap(),
        b.backend.error_rate(&q).await.unwrap()
    );
}

#[tokio::test]
async fn counters_are_monotonic_and_follow_the_live_deployment() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    assert!(
        demo.backend
            .traffic_counters()
            .iter()
            .all(|c| c.requests == 0),
        "nothing counted before time passes"
    );
    demo.advance(60);
    let first = demo.backend.traffic_counters();
    let v42 = first
        .iter()
        .find(|c| c.deployment_label == "v42" && c.project == "acme/storefront")
        .unwrap();
    assert!(v42.requests > 1000 && v42.errors > 0);
    assert_eq!(v42.latency.count, v42.requests);
    assert!(v42.latency.cumulative.windows(2).all(|w| w[0] <= w[1]));
    demo.backend
        .rollback(request(&env, &v41, "k"))
        .await
        .unwrap();
    demo.advance(60);
    let second = demo.backend.traffic_counters();
    for before in &first {
        let after = second
            .iter()
            .find(|c| c.deployment_id == before.deployment_id)
            .unwrap();
        assert!(after.requests >= before.requests && after.errors >= before.errors);
        assert!(after.latency.sum_secs >= before.latency.sum_secs);
    }
    let v42_after = second
        .iter()
        .find(|c| c.deployment_label == "v42" && c.project == "acme/storefront")
        .unwrap();
    assert_eq!(v42_after.requests, v42.requests, "v42 no longer serves");
    let v41c = second.iter().find(|c| c.deployment_label == "v41").unwrap();
    assert!(v41c.requests > 1000);
}

#[tokio::test]
async fn the_platform_clock_is_the_scenario_clock() {
    let demo = Demo::new("bad-deploy");
    assert_eq!(demo.backend.now(), t0());
    demo.advance(90);
    assert_eq!(demo.backend.now(), t0() + chrono::Duration::seconds(90));
}
