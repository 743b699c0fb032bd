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
async fn a_lost_rollback_answer_is_not_repeated_and_may_have_happened() {
    let mut state = world();
    state.switch_after_polls = 0;
    state.scripted.push(fake::Scripted {
        after_applying: true,
        ..fake::Scripted::once("deployments.rollbackDeployment", 500)
    });
    let h = harness(state).await;
    let err = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "k1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::MayHaveHappened { message }
            if message.contains("roll back to d_good0001 may have happened; look before trying again")),
        "{err:?}"
    );
    assert_eq!(h.fake.calls("deployments.rollbackDeployment"), 1);
    // It did happen, and looking shows it (the write made the kept reads stale).
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live, Some(id(GOOD)));
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
        matches!(&err, BackendError::MayHaveHappened { message } if message.contains("Unkey answered 500")),
        "{err:?}"
    );
    assert_eq!(h.fake.calls("deployments.createDeployment"), 1);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_redeploy_that_times_out_after_unkey_created_it_is_sent_once() {
    let mut state = world();
    state.scripted.push(fake::Scripted::stalled(
        "deployments.createDeployment",
        Duration::from_secs(3),
    ));
    let h = harness_with(state, fake::FULL_KEY, |s| {
        s.http.request_timeout = Duration::from_millis(300)
    })
    .await;
    let before = h.fake.with(|s| s.deployments.len());
    let err = h
        .backend
        .redeploy(redeploy_request(GOOD, true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "may_have_happened", "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("timeout") && text.contains("redeploy d_good0001 may have happened"),
        "{text}"
    );
    assert_eq!(h.fake.calls("deployments.createDeployment"), 1);
    assert_eq!(
        h.fake.with(|s| s.deployments.len()),
        before + 1,
        "Unkey created it"
    );
}

#[tokio::test]
async fn a_rate_limited_redeploy_is_sent_again_as_nothing_happened() {
    let mut state = world();
    let mut limited = fake::Scripted::once("deployments.createDeployment", 429);
    limited.retry_after = Some(1);
    state.scripted.push(limited);
    let h = harness(state).await;
    let before = h.fake.with(|s| s.deployments.len());
    let handle = h
        .backend
        .redeploy(redeploy_request(GOOD, true))
        .await
        .unwrap();
    assert!(handle.new_deployment.is_some());
    assert_eq!(h.fake.calls("deployments.createDeployment"), 2);
    assert_eq!(h.fake.with(|s| s.deployments.len()), before + 1);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_reads_preparing_a_switch_share_one_snapshot_and_the_write_ends_it() {
    let h = harness_with(world(), fake::FULL_KEY, |s| {
        s.reads_shared_for = Duration::from_secs(30)
    })
    .await;
    let reads_of = |h: &Harness, op: &str, field: &str, value: &str| {
        h.fake.with(|s| {
            s.requests
                .iter()
                .filter(|(o, body)| o == op && body[field] == value)
                .count()
        })
    };
    let app_reads = |h: &Harness| h.fake.calls("apps.getApp");
    // What a command reads before it asks to roll back: twice over, as a plan and its
    // confirmation would.
    for _ in 0..2 {
        h.backend.get_environment(&production()).await.unwrap();
        h.backend
            .get_deployment(&production(), &id(GOOD))
            .await
            .unwrap();
        h.backend.actions(&production(), &id(GOOD)).await.unwrap();
        h.backend
            .domains_to_move(&production(), &id(GOOD))
            .await
            .unwrap();
    }
    assert_eq!(app_reads(&h), 1, "one snapshot of the app");
    assert_eq!(
        reads_of(&h, "deployments.getDeployment", "deploymentId", GOOD),
        1
    );
    // The check right before the write reads the live deployment as Unkey has it now.
    h.backend
        .rollback(request(GOOD, Some(LIVE), "k-snap"))
        .await
        .unwrap();
    assert_eq!(app_reads(&h), 2);
    assert_eq!(
        reads_of(&h, "deployments.getDeployment", "deploymentId", GOOD),
        1,
        "the target comes from the snapshot"
    );
    // After the write nothing kept is fresh.
    h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(app_reads(&h), 3);
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
