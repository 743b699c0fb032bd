//! Error rates from Fly's managed Prometheus, joined to releases through the Machines.

use super::*;
use switchback::backend::{BackendError, ErrorRates};
use switchback::domain::{MetricSource, MetricsQuery, MetricsScope};

fn query(scope: MetricsScope, h: &Harness) -> MetricsQuery {
    let to = h.clock_now();
    MetricsQuery {
        env: production(),
        scope,
        from: to - chrono::Duration::minutes(10),
        to,
        step_secs: 60,
    }
}

trait Now {
    fn clock_now(&self) -> switchback::domain::Timestamp;
}

impl Now for Harness {
    fn clock_now(&self) -> switchback::domain::Timestamp {
        use switchback::clock::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn a_releases_rate_counts_only_the_machines_that_run_it() {
    let h = standard().await;
    // Half the app back on v29, whose Machines answer 5xx.
    let handle = h
        .backend
        .rollback(scoped(request(29, Some(30), "ord-1"), &["ord"], &[]))
        .await
        .unwrap();
    finished(&*h.backend, &production(), &handle.id).await;
    h.fake.with(|s| {
        for m in s.machines.iter_mut().filter(|m| m.region == "ord") {
            m.errors_per_step = 10.0;
        }
    });
    let v29 = h
        .backend
        .error_rate(&query(MetricsScope::Deployment(id(29)), &h))
        .await
        .unwrap();
    assert_eq!(v29.source, MetricSource::Prometheus);
    assert!(!v29.points.is_empty());
    assert!(
        (v29.overall_error_rate().unwrap() - 0.1).abs() < 1e-9,
        "{v29:?}"
    );
    assert!(
        v29.points
            .iter()
            .all(|p| p.deployment == Some(id(29)) && p.requests == 300.0)
    );
    let v30 = h
        .backend
        .error_rate(&query(MetricsScope::Deployment(id(30)), &h))
        .await
        .unwrap();
    assert_eq!(v30.overall_error_rate(), Some(0.0));
    let all = h
        .backend
        .error_rate(&query(MetricsScope::Environment, &h))
        .await
        .unwrap();
    assert!((all.overall_error_rate().unwrap() - 0.05).abs() < 1e-9);
    let promql: Vec<String> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.contains("prometheus"))
        .filter_map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == "query")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert!(
        promql
            .iter()
            .all(|q| q.contains("fly_app_http_responses_count{app=\"shop-web\"")),
        "{promql:?}"
    );
}

#[tokio::test]
async fn without_metrics_access_the_panel_is_told_so() {
    let clock = clock();
    let h = harness_with(world(&clock), clock, DEPLOY_TOKEN).await;
    let err = h
        .backend
        .error_rate(&query(MetricsScope::Environment, &h))
        .await
        .unwrap_err();
    let BackendError::Forbidden { reason, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        reason.contains("no metrics") && reason.contains("acme"),
        "{reason}"
    );
}
