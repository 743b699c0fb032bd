//! The decorator over the demo platform: everything from the platform, error rates from
//! Prometheus scraping the platform's traffic on `switchback serve`'s own `/metrics`.

use crate::server::Prometheus;
use crate::support::*;
use switchback::domain::{DeploymentId, EnvRef, MetricsQuery, MetricsScope};

use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::{Backend, Identity, OperationRequest, Platform, Role};
use switchback::clock::{SystemClock, VirtualClock};
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
    let served = serve(platform.clone()).await;
    let prometheus = Prometheus::start(&[served.addr]).await;
    let metrics = MetricsConfig::Prometheus(config(&prometheus));
    let backend = with_metrics(Platform::native(Arc::new(platform)), Some(&metrics)).unwrap();
    let env = production();
    let bad = live_id(backend.as_ref(), &env).await;
    let good = id_of(backend.as_ref(), &env, "v41").await;

    // v42 answers about 8% of requests with a 5xx. Wait for three points it served alone:
    // only the newest, still filling, can take in the rollback's traffic too.
    within(30, "v42's error rate", || async {
        let series = backend.error_rate(&env_query(backend.as_ref(), &env)).await;
        let series = series.map_err(|e| e.to_string())?;
        let served_by_bad = series.points.iter().filter(|p| {
            p.deployment.as_ref() == Some(&bad) && p.error_rate().is_some_and(|r| r > 0.03)
        });
        if served_by_bad.count() >= 3 {
            Ok(())
        } else {
            Err(format!("{series:?}"))
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

    // Through the decorator, the figures are Prometheus' own answers for serve's metrics.
    let mut settled = env_query(backend.as_ref(), &env);
    settled.to -= chrono::Duration::seconds(5);
    let series = backend.error_rate(&settled).await.unwrap();
    let sel = format!(r#"project="{PROJECT}",environment="production""#);
    assert_same_as_prometheus(&prometheus, &series, &sel).await;
}

/// A platform whose clock is two days behind the wall clock Prometheus stamps its samples
/// with: the panel's window is moved onto Prometheus' clock and the points back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_on_its_own_clock_gets_points_on_its_clock() {
    let behind = chrono::Duration::days(2);
    let clock = VirtualClock::starting_at(Utc::now() - behind);
    let ticking = clock.clone();
    let ticker = tokio::spawn(async move {
        let mut last = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            ticking.advance(last.elapsed());
            last = tokio::time::Instant::now();
        }
    });
    let platform = DemoBackend::new(
        Scenario::load("bad-deploy").unwrap(),
        Arc::new(clock.clone()),
        Identity {
            actor: "alice".into(),
            role: Role::Deployer,
        },
    );
    let served = serve(platform.clone()).await;
    let prometheus = Prometheus::start(&[served.addr]).await;
    let metrics = MetricsConfig::Prometheus(config(&prometheus));
    let backend = with_metrics(Platform::native(Arc::new(platform)), Some(&metrics)).unwrap();
    let env = production();
    assert!(
        Utc::now() - backend.now() > chrono::Duration::days(1),
        "the platform's own clock"
    );
    let (q, series) = within(30, "points on the platform's clock", || async {
        let q = env_query(backend.as_ref(), &env);
        let series = backend.error_rate(&q).await.map_err(|e| e.to_string())?;
        if series
            .points
            .iter()
            .filter(|p| p.error_rate().is_some())
            .count()
            >= 3
        {
            Ok((q, series))
        } else {
            Err(format!("{series:?}"))
        }
    })
    .await;
    let slack = chrono::Duration::seconds(i64::from(STEP) + 2);
    for point in &series.points {
        assert!(
            point.at >= q.from - slack && point.at <= q.to,
            "{point:?} outside {q:?}"
        );
    }
    // And each point is attributed from the platform's own history.
    let live = live_id(backend.as_ref(), &env).await;
    assert_eq!(series.points.last().unwrap().deployment, Some(live));
    ticker.abort();
}

#[tokio::test]
async fn without_metrics_the_platform_numbers_stay() {
    let platform = Platform::native(Arc::new(demo()));
    let backend = with_metrics(platform, None).unwrap();
    let env = production();
    let series = backend
        .error_rate(&env_query(backend.as_ref(), &env))
        .await
        .unwrap();
    assert_eq!(series.source, MetricSource::Native);
}

/// The decorator fills the queries with what the platform gives: the demo has no Kubernetes
/// namespace, so a Kubernetes preset is refused naming the placeholder and the kind, before
/// Prometheus is asked.
#[tokio::test]
async fn a_placeholder_the_platform_does_not_give_is_refused_naming_it_and_the_kind() {
    let platform = Platform::native(Arc::new(demo()));
    let metrics = MetricsConfig::Prometheus(switchback::metrics::PrometheusConfig {
        // Nothing listens there: the refusal comes before any request.
        url: "http://127.0.0.1:9".into(),
        ..switchback::metrics::PrometheusConfig::with_preset(
            switchback::metrics::Preset::GatewayIstio,
        )
    });
    let backend = with_metrics(platform, Some(&metrics)).unwrap();
    let env = production();
    let labels = backend.metric_labels(&env.project, &env.environment);
    assert_eq!(
        labels.kind(),
        "demo",
        "the decorator passes the platform's on"
    );
    let error = backend
        .error_rate(&env_query(backend.as_ref(), &env))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("error-rate: {namespace} has no value for project acme/storefront")
            && message.contains("a `demo` backend gives {project}, {environment}"),
        "{message}"
    );
}
