//! Rule 1: rollback.

use crate::support::*;
use switchback::backend::{Backend, BackendError, PreconditionCode};
use switchback::domain::{Action, DomainKind, EnvMode, LiveCause, OperationStatus, RuntimeState};

#[tokio::test]
async fn rollback_to_a_running_deployment_moves_every_environment_domain_at_once() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    let before = demo.env(&env).await;
    assert_eq!(before.live.as_ref(), Some(&v42));
    let v42_url = before
        .domains
        .iter()
        .find(|d| d.kind == DomainKind::Deployment)
        .unwrap()
        .hostname
        .clone();

    let mut req = request(&env, &v41, "k1");
    req.expected_live = Some(v42.clone());
    let handle = demo.backend.rollback(req).await.unwrap();

    // Instant: done within the call, no simulated time passed.
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    let after = demo.env(&env).await;
    assert_eq!(after.live.as_ref(), Some(&v41));
    assert_eq!(after.mode, EnvMode::RolledBack);
    let moving: Vec<_> = after
        .domains
        .iter()
        .filter(|d| d.kind.moves_on_switch())
        .collect();
    assert_eq!(moving.len(), 3);
    assert!(moving.iter().all(|d| d.deployment.as_ref() == Some(&v41)));
    assert!(moving.iter().any(|d| d.hostname == "shop.example.com"));
    assert!(moving.iter().any(|d| d.hostname == "www.shop.example.com"));
    // v42's own URL stays with v42.
    let moves = demo.backend.domains_to_move(&env, &v42).await.unwrap();
    let own = moves.iter().find(|m| m.hostname == v42_url).unwrap();
    assert!(!own.moves);
    assert_eq!(own.to.as_ref(), Some(&v42));
}

#[tokio::test]
async fn rollback_keeps_the_bad_deployment_and_records_the_change() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    // The bad deployment is still listed and still running (it spins down later).
    let bad = demo.backend.get_deployment(&env, &v42).await.unwrap();
    assert!(!bad.is_live);
    assert_eq!(bad.runtime_state, RuntimeState::Running);
    let history = demo.backend.live_history(&env).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.deployment, v41);
    assert_eq!(last.cause, LiveCause::Rollback);
    assert_eq!(last.actor.as_deref(), Some("alice"));
    assert_eq!(history[history.len() - 2].deployment, v42);
    let ops = demo.backend.list_operations(&env).await.unwrap();
    assert_eq!(ops.len(), 1);
}

#[tokio::test]
async fn rollback_to_a_pruned_artifact_is_refused_with_a_redeploy_suggestion() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v37 = demo.id(&env, "v37").await;
    let err = demo
        .backend
        .rollback(request(&env, &v37, "k1"))
        .await
        .unwrap_err();
    match err {
        BackendError::Precondition {
            code,
            message,
            suggestion,
        } => {
            assert_eq!(code, PreconditionCode::ArtifactPruned);
            assert_eq!(suggestion, Some(Action::Redeploy));
            assert!(message.contains("redeploy from source"), "{message}");
        }
        other => panic!("expected a precondition, got {other:?}"),
    }
    assert_eq!(demo.live_label(&env).await.as_deref(), Some("v42"));
    assert!(demo.backend.list_operations(&env).await.unwrap().is_empty());
}

#[tokio::test]
async fn rollback_to_the_live_deployment_is_refused() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v42 = demo.id(&env, "v42").await;
    let err = demo
        .backend
        .rollback(request(&env, &v42, "k1"))
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
}

#[tokio::test]
async fn rollback_to_a_failed_build_is_refused_as_not_ready() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v42 = demo.id(&env, "v42").await;
    let mut push = switchback::backend::demo::Push::new("Break the build", "bob");
    push.build_fails = true;
    let broken = demo.backend.push(&env, push).unwrap();
    demo.advance(600);
    assert_eq!(demo.env(&env).await.live, Some(v42));
    let err = demo
        .backend
        .rollback(request(&env, &broken, "k1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::NotReady,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn rollback_in_a_read_only_role_is_forbidden() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    let viewer = demo.backend.with_identity(read_only("rita"));
    let err = viewer
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Forbidden { .. }), "{err:?}");
    assert_eq!(demo.live_label(&env).await.as_deref(), Some("v42"));
}

#[tokio::test]
async fn a_stale_expected_live_is_a_conflict_naming_the_live_deployment_and_who_moved_it() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v40, v41, v42) = (
        demo.id(&env, "v40").await,
        demo.id(&env, "v41").await,
        demo.id(&env, "v42").await,
    );
    let dana = demo.backend.with_identity(deployer("dana"));
    let mut req = request(&env, &v41, "dana-1");
    req.actor = "dana".into();
    dana.rollback(req).await.unwrap();

    let mut stale = request(&env, &v40, "alice-1");
    stale.expected_live = Some(v42);
    match demo.backend.rollback(stale).await.unwrap_err() {
        BackendError::Conflict {
            live_now,
            live_label,
            changed_by,
            message,
        } => {
            assert_eq!(live_now, Some(v41));
            assert_eq!(live_label.as_deref(), Some("v41"));
            assert_eq!(changed_by.as_deref(), Some("dana"));
            assert!(
                message.contains("dana") && message.contains("v41"),
                "{message}"
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(demo.backend.list_operations(&env).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_replayed_idempotency_key_returns_the_same_operation_and_performs_nothing_twice() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    let mut req = request(&env, &v41, "retry-me");
    req.expected_live = Some(v42);
    let first = demo.backend.rollback(req.clone()).await.unwrap();
    let history_len = demo.backend.live_history(&env).await.unwrap().len();
    // The retry still says v42 was expected live; it must not turn into a conflict.
    let second = demo.backend.rollback(req).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(demo.backend.list_operations(&env).await.unwrap().len(), 1);
    assert_eq!(
        demo.backend.live_history(&env).await.unwrap().len(),
        history_len
    );
}

#[tokio::test]
async fn an_idempotency_key_reused_for_another_target_is_invalid() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v40, v41) = (demo.id(&env, "v40").await, demo.id(&env, "v41").await);
    demo.backend
        .rollback(request(&env, &v41, "same"))
        .await
        .unwrap();
    let err = demo
        .backend
        .rollback(request(&env, &v40, "same"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Invalid { .. }), "{err:?}");
}

#[tokio::test]
async fn a_target_of_another_environment_is_refused() {
    let demo = Demo::new("bad-deploy");
    let staging = switchback::domain::EnvRef::new("acme/storefront", "staging");
    let stg = demo.id(&staging, "stg-18").await;
    let err = demo
        .backend
        .rollback(request(&prod(), &stg, "k"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::Precondition {
                code: PreconditionCode::WrongEnvironment,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_rolled_back_environment_builds_pushes_but_keeps_its_domains() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    demo.backend
        .rollback(request(&env, &v41, "k1"))
        .await
        .unwrap();
    let pushed = demo
        .backend
        .push(
            &env,
            switchback::backend::demo::Push::new("Fix the index", "alex.kim"),
        )
        .unwrap();
    demo.advance(600);
    let dep = demo.backend.get_deployment(&env, &pushed).await.unwrap();
    assert_eq!(dep.build_status, switchback::domain::BuildStatus::Ready);
    assert_eq!(dep.label, "v43");
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v41));
    assert_eq!(after.mode, EnvMode::RolledBack);
}

#[tokio::test]
async fn a_push_in_normal_mode_takes_the_domains_when_ready() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let pushed = demo
        .backend
        .push(
            &env,
            switchback::backend::demo::Push::new("Fix the index", "alex.kim"),
        )
        .unwrap();
    demo.advance(60);
    assert_eq!(
        demo.live_label(&env).await.as_deref(),
        Some("v42"),
        "still building"
    );
    demo.advance(600);
    assert_eq!(demo.env(&env).await.live, Some(pushed));
}

#[tokio::test]
async fn a_request_without_an_actor_is_recorded_as_the_credentials_owner() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    let mut req = request(&env, &v41, "k1");
    req.actor = String::new();
    let handle = demo
        .backend
        .with_identity(deployer("dana"))
        .rollback(req)
        .await
        .unwrap();
    assert_eq!(
        demo.backend
            .operation(&env, &handle.id)
            .await
            .unwrap()
            .actor,
        "dana"
    );
    let last = demo
        .backend
        .live_history(&env)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.actor.as_deref(), Some("dana"));
}
