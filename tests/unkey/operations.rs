//! Rollback, promote and redeploy: the calls, the client-side `expected_live` check, and
//! the adapter's own operation records followed to the end.

use super::*;
use switchback::backend::{
    Backend, BackendError, OperationRequest, PreconditionCode, RedeployRequest, Role,
};
use switchback::domain::{
    Action, EnvMode, LiveCause, Operation, OperationStatus, Scope, StepStatus, Strategy,
};

fn request(target: &str, expected_live: Option<&str>, key: &str) -> OperationRequest {
    OperationRequest {
        env: production(),
        target: id(target),
        expected_live: expected_live.map(id),
        idempotency_key: key.to_owned(),
        actor: "alice".to_owned(),
        strategy: None,
        scope: Scope::default(),
    }
}

/// Asks for the operation until it finishes, a virtual second apart; at most `limit` looks.
async fn follow(
    h: &Harness,
    op: &switchback::domain::OperationId,
    step: Duration,
    limit: usize,
) -> Operation {
    for _ in 0..limit {
        h.clock.advance(step);
        let op = h.backend.operation(&production(), op).await.unwrap();
        if op.status.is_finished() {
            return op;
        }
    }
    panic!("operation did not finish within {limit} looks");
}

#[tokio::test]
async fn rollback_is_followed_until_the_live_pointer_moves() {
    let h = harness(world()).await;
    let handle = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "k1"))
        .await
        .unwrap();
    let calls: Vec<serde_json::Value> = h.fake.with(|s| {
        s.requests
            .iter()
            .filter(|(op, _)| op == "deployments.rollbackDeployment")
            .map(|(_, b)| b.clone())
            .collect()
    });
    assert_eq!(calls, [serde_json::json!({ "deploymentId": GOOD })]);

    let first = h
        .backend
        .operation(&production(), &handle.id)
        .await
        .unwrap();
    assert_eq!(first.status, OperationStatus::InProgress);
    assert_eq!(
        first.steps[2].status,
        StepStatus::Running,
        "{:?}",
        first.steps
    );

    let done = follow(&h, &handle.id, Duration::from_secs(1), 10).await;
    assert_eq!(done.status, OperationStatus::Completed, "{:?}", done.log);
    assert!(
        done.steps.iter().all(|s| s.status == StepStatus::Done),
        "{:?}",
        done.steps
    );
    assert!(done.log.iter().any(|l| l.message.contains("rolled back")));

    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live.unwrap().as_str(), GOOD);
    assert_eq!(env.mode, EnvMode::RolledBack);
    let listed = h.backend.list_operations(&production()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, handle.id);
    let history = h.backend.live_history(&production()).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.deployment.as_str(), last.cause),
        (GOOD, LiveCause::Rollback)
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn following_looks_at_unkey_at_most_once_per_poll_interval() {
    let h = harness(world()).await;
    let handle = h.backend.rollback(request(GOOD, None, "k1")).await.unwrap();
    h.backend
        .operation(&production(), &handle.id)
        .await
        .unwrap();
    let looks = h.fake.calls("apps.getApp");
    h.backend
        .operation(&production(), &handle.id)
        .await
        .unwrap();
    assert_eq!(
        h.fake.calls("apps.getApp"),
        looks,
        "same virtual instant: no new look"
    );
    h.clock.advance(Duration::from_secs(1));
    h.backend
        .operation(&production(), &handle.id)
        .await
        .unwrap();
    assert_eq!(h.fake.calls("apps.getApp"), looks + 1);
}

#[tokio::test]
async fn promote_ends_the_rolled_back_mode() {
    let mut state = world();
    state.apps[0].current = Some(GOOD.to_owned());
    state.apps[0].rolled_back = true;
    let h = harness(state).await;
    let handle = h
        .backend
        .promote(request(LIVE, Some(GOOD), "p1"))
        .await
        .unwrap();
    let done = follow(&h, &handle.id, Duration::from_secs(1), 10).await;
    assert_eq!(done.status, OperationStatus::Completed, "{:?}", done.log);
    assert!(done.steps[3].name.contains("normal mode"));
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.mode, EnvMode::Normal);
    assert_eq!(env.live.unwrap().as_str(), LIVE);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_stale_expected_live_is_refused_before_calling_unkey() {
    let h = harness(world()).await;
    let err = h
        .backend
        .rollback(request(GOOD, Some(STOPPED), "k1"))
        .await
        .unwrap_err();
    match err {
        BackendError::Conflict {
            live_now,
            live_label,
            message,
            ..
        } => {
            assert_eq!(live_now.unwrap().as_str(), LIVE);
            assert_eq!(live_label.as_deref(), Some("3333333"));
            assert!(message.contains("changed since you looked"), "{message}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(h.fake.calls("deployments.rollbackDeployment"), 0);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_same_idempotency_key_gives_the_same_operation() {
    let h = harness(world()).await;
    let a = h
        .backend
        .rollback(request(GOOD, None, "same"))
        .await
        .unwrap();
    let b = h
        .backend
        .rollback(request(GOOD, None, "same"))
        .await
        .unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(h.fake.calls("deployments.rollbackDeployment"), 1);
}

#[tokio::test]
async fn a_switch_that_never_lands_times_out_as_an_exception() {
    let mut state = world();
    state.switch_after_polls = 10_000;
    let h = harness(state).await;
    let handle = h.backend.rollback(request(GOOD, None, "k1")).await.unwrap();
    let done = follow(&h, &handle.id, Duration::from_secs(30), 10).await;
    assert_eq!(done.status, OperationStatus::Exception);
    let error = done.error.unwrap();
    assert!(
        error.contains("gave up waiting") && error.contains(LIVE),
        "{error}"
    );
    assert_eq!(done.steps[2].status, StepStatus::Failed);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_spun_down_production_target_suggests_a_redeploy() {
    let h = harness(world()).await;
    let err = h
        .backend
        .rollback(request(STOPPED, None, "k1"))
        .await
        .unwrap_err();
    match err {
        BackendError::Precondition {
            code,
            message,
            suggestion,
        } => {
            assert_eq!(code, PreconditionCode::NotRunning);
            assert_eq!(suggestion, Some(Action::Redeploy));
            assert!(message.contains("redeploy"), "{message}");
        }
        other => panic!("expected Precondition, got {other:?}"),
    }
    assert!(
        h.backend
            .list_operations(&production())
            .await
            .unwrap()
            .is_empty()
    );
    let err = h
        .backend
        .rollback(request(LIVE, None, "k2"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::AlreadyLive,
                ..
            }
        ),
        "{err:?}"
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_the_repeat_refusal_read_as_done() {
    let mut state = world();
    state.switch_after_polls = 0;
    state.scripted.push(fake::Scripted {
        after_applying: true,
        ..fake::Scripted::once("deployments.rollbackDeployment", 500)
    });
    let h = harness(state).await;
    let handle = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "k1"))
        .await
        .unwrap();
    assert_eq!(h.fake.calls("deployments.rollbackDeployment"), 2);
    let done = follow(&h, &handle.id, Duration::from_secs(1), 3).await;
    assert_eq!(done.status, OperationStatus::Completed);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn create_deployment_is_not_repeated_after_a_server_error() {
    let mut state = world();
    state
        .scripted
        .push(fake::Scripted::always("deployments.createDeployment", 500));
    let h = harness(state).await;
    let err = h
        .backend
        .redeploy(redeploy_request(GOOD, true))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Transient { message } if message.contains("deployment list")),
        "{err:?}"
    );
    assert_eq!(h.fake.calls("deployments.createDeployment"), 1);
    h.fake.assert_conforms();
}

fn redeploy_request(source: &str, rebuild: bool) -> RedeployRequest {
    RedeployRequest {
        env: production(),
        source: id(source),
        rebuild,
        expected_live: None,
        idempotency_key: format!("r-{source}"),
        actor: "alice".to_owned(),
    }
}

#[tokio::test]
async fn redeploy_creates_a_deployment_and_follows_it_live() {
    let h = harness(world()).await;
    let err = h
        .backend
        .redeploy(redeploy_request(STOPPED, false))
        .await
        .unwrap_err();
    assert!(
        matches!(err, BackendError::Invalid { .. }),
        "git apps rebuild: {err:?}"
    );

    let handle = h
        .backend
        .redeploy(redeploy_request(STOPPED, true))
        .await
        .unwrap();
    let new = handle.new_deployment.clone().expect("new deployment id");
    let body = h.fake.with(|s| {
        s.requests
            .iter()
            .find(|(op, _)| op == "deployments.createDeployment")
            .unwrap()
            .1
            .clone()
    });
    assert_eq!(body["deployment"]["deploymentId"], STOPPED);
    assert_eq!(body["environment"], "production");
    let done = follow(&h, &handle.id, Duration::from_secs(1), 10).await;
    assert_eq!(done.status, OperationStatus::Completed, "{:?}", done.log);
    assert!(
        done.steps.iter().all(|s| s.status == StepStatus::Done),
        "{:?}",
        done.steps
    );
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live.unwrap(), new);
    let d = h.backend.get_deployment(&production(), &new).await.unwrap();
    assert_eq!(d.redeployed_from.unwrap().as_str(), STOPPED);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_read_only_key_is_refused_and_sees_actions_disabled() {
    let h = harness_with_key(world(), fake::READ_ONLY_KEY).await;
    assert_eq!(h.backend.identity().await.unwrap().role, Role::Deployer);
    let err = h
        .backend
        .rollback(request(GOOD, None, "k1"))
        .await
        .unwrap_err();
    match &err {
        BackendError::Forbidden { reason, .. } => {
            assert!(
                reason.contains("environment.*.rollback_deployment"),
                "{reason}"
            );
            assert!(reason.contains("404"), "{reason}");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    let err = h
        .backend
        .redeploy(redeploy_request(GOOD, true))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Forbidden { reason, .. } if reason.contains("create_deployment")),
        "{err:?}"
    );
    let actions = h.backend.actions(&production(), &id(GOOD)).await.unwrap();
    for action in [Action::Rollback, Action::Redeploy] {
        let a = actions.iter().find(|a| a.action == action).unwrap();
        assert!(!a.allowed, "{action:?}");
        assert_eq!(a.code.as_deref(), Some("forbidden"));
        assert!(a.reason.as_deref().unwrap().contains("lacks"));
    }
    assert!(
        actions
            .iter()
            .find(|a| a.action == Action::Promote)
            .unwrap()
            .allowed
    );
    assert_eq!(h.backend.identity().await.unwrap().role, Role::ReadOnly);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn strategies_and_scopes_unkey_lacks_are_refused() {
    let h = harness(world()).await;
    let mut rolling = request(GOOD, None, "k1");
    rolling.strategy = Some(Strategy::Rolling);
    assert!(matches!(
        h.backend.rollback(rolling).await,
        Err(BackendError::Invalid { .. })
    ));
    let mut partial = request(GOOD, None, "k2");
    partial.scope.regions = vec!["us-east-1".to_owned()];
    assert!(matches!(
        h.backend.rollback(partial).await,
        Err(BackendError::Invalid { .. })
    ));
    assert_eq!(h.fake.calls("deployments.rollbackDeployment"), 0);
}

#[tokio::test]
async fn a_failed_build_ends_the_redeploy_with_unkeys_reason() {
    let mut state = world();
    state.builds_fail = true;
    let h = harness(state).await;
    let handle = h
        .backend
        .redeploy(redeploy_request(GOOD, true))
        .await
        .unwrap();
    let done = follow(&h, &handle.id, Duration::from_secs(1), 10).await;
    assert_eq!(done.status, OperationStatus::Exception);
    let error = done.error.unwrap();
    assert!(
        error.contains("build_failed") && error.contains("exit status 1"),
        "{error}"
    );
    assert_eq!(done.steps[1].status, StepStatus::Failed);
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(
        env.live.unwrap().as_str(),
        LIVE,
        "a failed build never goes live"
    );
    h.fake.assert_conforms();
}
