//! Error rates from Temps' proxy logs: 5xx only, each request counted once, though Temps'
//! own `error_count` counts every status from 400 and logs most requests twice.

use crate::*;
use chrono::{TimeZone, Utc};
use switchback::backend::{Backend, ErrorRates};
use switchback::domain::{MetricSource, MetricsQuery, MetricsScope};

fn query(env: EnvRef, scope: MetricsScope) -> MetricsQuery {
    MetricsQuery {
        env,
        scope,
        from: Utc.with_ymd_and_hms(2026, 12, 4, 17, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 12, 4, 17, 15, 0).unwrap(),
        step_secs: 300,
    }
}

#[tokio::test]
async fn the_rate_counts_5xx_once_each_and_every_request_once() {
    let fake = FakeTemps::recorded().await;
    let at = |m: u32| Utc.with_ymd_and_hms(2026, 12, 4, 17, m, 30).unwrap();
    fake.with(|s| {
        // 17:00–17:05 on d4: 90 answered 200, 6 answered 404, 4 answered 500.
        s.traffic(at(1), 4, 200, 90);
        s.traffic(at(2), 4, 404, 6);
        s.traffic(at(3), 4, 500, 4);
        // 17:05–17:10 on d4: 20 answered 200, and 5 the proxy answered 503.
        s.traffic(at(6), 4, 200, 20);
        s.traffic(at(7), 4, 503, 5);
        // 17:10–17:15 on d3 (someone else's switch): 10 answered 200, 1 answered 502.
        s.traffic(at(11), 3, 200, 10);
        s.traffic(at(12), 3, 502, 1);
    });
    let backend = admin(&fake);
    let series = backend
        .error_rate(&query(demo(), MetricsScope::Environment))
        .await
        .unwrap();
    assert_eq!(series.source, MetricSource::ProxyLogs);
    let points: Vec<(u32, f64, f64)> = series
        .points
        .iter()
        .map(|p| (chrono::Timelike::minute(&p.at), p.requests, p.errors))
        .collect();
    assert_eq!(points, [(0, 100.0, 4.0), (5, 25.0, 5.0), (10, 11.0, 1.0)]);
    assert!(
        series.points.iter().all(|p| p.p95_ms.is_none()),
        "Temps' latency is always 0"
    );
    // What Temps' own counts would have said for the first bucket: 196 requests, 16 errors.
    let rows = fake.with(|s| s.proxy_rows.iter().filter(|r| r.at < at(5)).count());
    assert_eq!(rows, 196);

    let one = backend
        .error_rate(&query(demo(), MetricsScope::Deployment(id(3))))
        .await
        .unwrap();
    let points: Vec<(f64, f64)> = one.points.iter().map(|p| (p.requests, p.errors)).collect();
    assert_eq!(points, [(11.0, 1.0)]);
    assert!(one.points.iter().all(|p| p.deployment == Some(id(3))));
    fake.assert_conforms();
}

#[tokio::test]
async fn quiet_buckets_carry_no_figure_and_the_current_rate_is_the_newest() {
    let fake = FakeTemps::recorded().await;
    fake.with(|s| {
        s.traffic(
            Utc.with_ymd_and_hms(2026, 12, 4, 17, 2, 0).unwrap(),
            9,
            200,
            3,
        )
    });
    let backend = admin(&fake);
    let series = backend
        .error_rate(&query(statics(), MetricsScope::Environment))
        .await
        .unwrap();
    assert_eq!(
        series.points.len(),
        1,
        "gap-filled empty buckets are not 0% buckets"
    );
    assert_eq!(series.points[0].error_rate(), Some(0.0));
    let now = backend
        .current_error_rate(&query(statics(), MetricsScope::Environment))
        .await
        .unwrap();
    assert_eq!(now.points.len(), 1);
    let quiet = backend
        .error_rate(&query(demo(), MetricsScope::Environment))
        .await
        .unwrap();
    assert!(quiet.points.is_empty());
    assert!(backend.capabilities().native_metrics);
}
