//! Rules 2, 3 and 5: promote, redeploy, scope and strategy.

use crate::support::*;
use switchback::backend::{Backend, BackendError, PreconditionCode};
use switchback::domain::{
    Action, BuildStatus, EnvMode, LiveCause, OperationStatus, Scope, StepStatus, Strategy,
};

#[tokio::test]
async fn promote_moves_the_domains_and_returns_the_environment_to_normal() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    assert_eq!(demo.env(&env).await.mode, EnvMode::RolledBack);
    let op = demo
        .backend
        .promote(request(&env, &v42, "k2"))
        .await
        .unwrap();
    let op = demo.backend.operation(&env, &op.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v42.clone()));
    assert_eq!(after.mode, EnvMode::Normal);
    assert!(
        after
            .domains
            .iter()
            .filter(|d| d.kind.moves_on_switch())
            .all(|d| d.deployment == Some(v42.clone()))
    );
    assert_eq!(
        demo.backend
            .live_history(&env)
            .await
            .unwrap()
            .last()
            .unwrap()
            .cause,
        LiveCause::Promote
    );
}

#[tokio::test]
async fn promoting_the_live_deployment_confirms_a_rollback() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    let history = demo.backend.live_history(&env).await.unwrap().len();
    demo.backend
        .promote(request(&env, &v41, "k2"))
        .await
        .unwrap();
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v41));
    assert_eq!(after.mode, EnvMode::Normal);
    assert_eq!(
        demo.backend.live_history(&env).await.unwrap().len(),
        history,
        "no switch, only the mode"
    );
    // Now a push takes the domains again.
    let pushed = demo
        .backend
        .push(
            &env,
            switchback::backend::demo::Push::new("Fix", "alex.kim"),
        )
        .unwrap();
    demo.advance(600);
    assert_eq!(demo.env(&env).await.live, Some(pushed));
}

#[tokio::test]
async fn redeploy_from_the_artifact_creates_a_new_deployment_that_takes_the_domains() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.by_label(&env, "v41").await;
    let handle = demo
        .backend
        .redeploy(redeploy_request(&env, &v41.id, false, "r1"))
        .await
        .unwrap();
    let new_id = handle.new_deployment.clone().unwrap();
    let new = demo.backend.get_deployment(&env, &new_id).await.unwrap();
    assert_eq!(new.label, "v43");
    assert_eq!(new.redeployed_from, Some(v41.id.clone()));
    assert_eq!(new.commit, v41.commit);
    assert_eq!(
        new.artifact.digest, v41.artifact.digest,
        "same artifact, no build"
    );
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    let names: Vec<_> = op.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["deploy", "switch domains"]);
    demo.advance(20);
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    assert_eq!(demo.env(&env).await.live, Some(new_id));
    assert_eq!(
        demo.backend
            .live_history(&env)
            .await
            .unwrap()
            .last()
            .unwrap()
            .cause,
        LiveCause::Redeploy
    );
    // v41 itself is untouched: immutable, not live.
    assert!(
        !demo
            .backend
            .get_deployment(&env, &v41.id)
            .await
            .unwrap()
            .is_live
    );
}

#[tokio::test]
async fn redeploy_with_rebuild_goes_through_the_pipeline_over_time() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v37 = demo.id(&env, "v37").await; // pruned: only a rebuild can bring it back
    let handle = demo
        .backend
        .redeploy(redeploy_request(&env, &v37, true, "r1"))
        .await
        .unwrap();
    let new_id = handle.new_deployment.clone().unwrap();
    let status = |d: &switchback::domain::Deployment| d.build_status;
    let mut seen = Vec::new();
    for _ in 0..30 {
        let d = demo.backend.get_deployment(&env, &new_id).await.unwrap();
        if seen.last() != Some(&status(&d)) {
            seen.push(status(&d));
        }
        demo.advance(5);
    }
    assert_eq!(
        seen,
        vec![
            BuildStatus::Queued,
            BuildStatus::Building,
            BuildStatus::Deploying,
            BuildStatus::Ready
        ]
    );
    let new = demo.backend.get_deployment(&env, &new_id).await.unwrap();
    assert!(!new.artifact.pruned);
    assert_eq!(demo.env(&env).await.live, Some(new_id));
    assert_eq!(
        demo.backend
            .operation(&env, &handle.id)
            .await
            .unwrap()
            .status,
        OperationStatus::Completed
    );
}

#[tokio::test]
async fn redeploy_without_rebuild_of_a_pruned_artifact_is_refused() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v37 = demo.id(&env, "v37").await;
    let err = demo
        .backend
        .redeploy(redeploy_request(&env, &v37, false, "r1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::ArtifactPruned,
                suggestion: Some(Action::Redeploy),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_failing_build_ends_the_redeploy_in_exception_and_keeps_it() {
    let text = include_str!("../../src/backend/demo/scenarios/bad-deploy.toml").replace(
        "subject = \"Retry inventory lookups on timeout\"",
        "subject = \"Retry inventory lookups on timeout\"\nbuild_fails = true",
    );
    let scenario = switchback::backend::demo::Scenario::parse(&text, "failing.toml").unwrap();
    let clock = switchback::clock::VirtualClock::starting_at(t0());
    let backend = switchback::backend::demo::DemoBackend::new(
        scenario,
        std::sync::Arc::new(clock.clone()),
        deployer("alice"),
    );
    let env = prod();
    let listing = backend
        .list_deployments(&env, Default::default())
        .await
        .unwrap()
        .items;
    let v41 = listing
        .iter()
        .find(|d| d.label == "v41")
        .unwrap()
        .id
        .clone();
    let v42 = listing
        .iter()
        .find(|d| d.label == "v42")
        .unwrap()
        .id
        .clone();
    let handle = backend
        .redeploy(redeploy_request(&env, &v41, true, "r1"))
        .await
        .unwrap();
    clock.advance(std::time::Duration::from_secs(600));
    let op = backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(op.error.as_deref().unwrap().contains("build"));
    assert!(op.steps.iter().any(|s| s.status == StepStatus::Failed));
    let new = backend
        .get_deployment(&env, handle.new_deployment.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(new.build_status, BuildStatus::Failed);
    assert_eq!(backend.get_environment(&env).await.unwrap().live, Some(v42));
    assert_eq!(backend.list_operations(&env).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_redeploy_in_a_rolled_back_environment_does_not_take_the_domains() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    let v42 = demo.id(&env, "v42").await;
    let handle = demo
        .backend
        .redeploy(redeploy_request(&env, &v42, false, "r1"))
        .await
        .unwrap();
    demo.advance(60);
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    assert_eq!(op.steps.last().unwrap().status, StepStatus::Skipped);
    assert!(op.log.iter().any(|l| l.message.contains("rolled back")));
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v41));
    assert_eq!(after.mode, EnvMode::RolledBack);
}

#[tokio::test]
async fn a_rolling_switch_shows_one_step_per_machine_and_a_bounded_one_shows_batches() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v40 = demo.id(&env, "v40").await;
    let mut req = request(&env, &v40, "k1");
    req.strategy = Some(Strategy::Rolling);
    req.scope = Scope {
        components: vec!["web".into()],
        regions: vec!["eu-west-1".into()],
    };
    let handle = demo.backend.rollback(req).await.unwrap();
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    let names: Vec<_> = op.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "start web@eu-west-1#1",
            "start web@eu-west-1#2",
            "health check",
            "switch domains"
        ]
    );
    // Two cold batches of 20 s and a 5 s health check; then only web in eu-west-1 moves:
    // live stays v42 everywhere else, and the environment says who serves what.
    let v42 = demo.id(&env, "v42").await;
    demo.advance(44);
    assert!(demo.env(&env).await.mixed.is_empty());
    demo.advance(1);
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v42));
    assert_eq!(after.mixed.len(), 1, "{:?}", after.mixed);
    assert_eq!(after.mixed[0].deployment, v40);
    assert_eq!(
        after.mixed[0].scope,
        Scope {
            components: vec!["web".into()],
            regions: vec!["eu-west-1".into()],
        }
    );

    let demo = Demo::new("bad-deploy");
    let v41 = demo.id(&env, "v41").await;
    let mut req = request(&env, &v41, "k2");
    req.strategy = Some(Strategy::MaxUnavailable { percent: 25 });
    let handle = demo.backend.rollback(req).await.unwrap();
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    // 8 machines, 2 at a time; running already, so it completes at once.
    assert_eq!(
        op.steps
            .iter()
            .filter(|s| s.name.starts_with("route "))
            .count(),
        4
    );
    assert_eq!(op.status, OperationStatus::Completed);
}

#[tokio::test]
async fn an_unknown_region_or_component_is_invalid() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    let mut req = request(&env, &v41, "k1");
    req.scope.regions = vec!["mars-1".into()];
    assert!(matches!(
        demo.backend.rollback(req).await.unwrap_err(),
        BackendError::Invalid { .. }
    ));
    let mut req = request(&env, &v41, "k2");
    req.scope.components = vec!["cron".into()];
    assert!(matches!(
        demo.backend.rollback(req).await.unwrap_err(),
        BackendError::Invalid { .. }
    ));
}
