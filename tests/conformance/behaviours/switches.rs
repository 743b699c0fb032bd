//! Switching the live deployment: followed to the end, or refused without changing anything.

use super::*;

/// 4. A rollback started with what the engineer saw live is followed to its end, and then
///    the target is live, through the adapter and at the platform.
pub async fn rollback_completes_and_is_followed_to_the_end<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let f = p.fixtures();
    let seen = live_seen(&*backend, &p.env()).await;
    let request = rollback_request(&p.env(), &f.target, &seen, "follow-1");
    let handle = backend.rollback(request).await.unwrap();
    assert_eq!(handle.kind, OperationKind::Rollback);
    let op = follow(&p, &*backend, &handle.id).await;
    assert_eq!(
        op.status,
        OperationStatus::Completed,
        "{:?} {:?}",
        op.error,
        op.log
    );
    assert_eq!((op.kind, &op.target), (OperationKind::Rollback, &f.target));
    assert_eq!(p.live_at_platform().await, Some(f.target.clone()));
    assert_reads_live(&*backend, &p.env(), &f.target).await;
}

/// 5. A rollback to the live deployment, and the platform's own refusal, fail with a typed
///    error and change nothing: no operation at the fake, none listed.
pub async fn a_refused_rollback_changes_nothing<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let f = p.fixtures();
    let performed = p.performed().await;
    let err = backend
        .rollback(rollback_request(&p.env(), &f.live, &f.live, "refused-1"))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(&err),
        Some(PreconditionCode::AlreadyLive),
        "{err:?}"
    );
    let refused = &f.refused;
    match perform(
        &p,
        &*backend,
        refused.action,
        &refused.deployment,
        "refused-2",
    )
    .await
    {
        Err(BackendError::Precondition {
            code,
            message,
            suggestion,
        }) => {
            assert_eq!(code, refused.code, "{message}");
            assert_eq!(suggestion, refused.suggestion, "{message}");
            assert!(!message.trim().is_empty());
        }
        other => panic!("expected the platform's refusal, got {other:?}"),
    }
    assert_unchanged(&p, performed, &f.live).await;
    assert_reads_live(&*backend, &p.env(), &f.live).await;
    assert!(backend.list_operations(&p.env()).await.unwrap().is_empty());
}

/// 6. Someone else moves live first: a rollback sent with the old `expected_live` is a
///    conflict naming what is live now and, where the platform records it, who moved it;
///    nothing is carried out.
pub async fn a_stale_expected_live_is_a_conflict_naming_who_moved_it<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let f = p.fixtures();
    let seen = live_seen(&*backend, &p.env()).await;
    let colleague = p.colleague_moves_live(&f.other).await;
    assert_eq!(p.live_at_platform().await, Some(f.other.clone()));
    let performed = p.performed().await;
    let err = backend
        .rollback(rollback_request(&p.env(), &f.target, &seen, "stale-1"))
        .await
        .unwrap_err();
    let BackendError::Conflict {
        live_now,
        changed_by,
        message,
        ..
    } = &err
    else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(live_now.as_ref(), Some(&f.other), "{message}");
    assert!(!message.trim().is_empty());
    if let Some(name) = colleague {
        assert!(
            changed_by.as_deref().is_some_and(|by| by.contains(&name)),
            "the platform records {name}: {err:?}"
        );
    }
    assert_unchanged(&p, performed, &f.other).await;
}

/// 6b. After a conflict, the adapter's next reads show the deployment the conflict named
///     as live: the console that was just told "live changed" does not keep showing the
///     old one.
pub async fn after_a_conflict_the_new_live_is_read<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let f = p.fixtures();
    assert_reads_live(&*backend, &p.env(), &f.live).await;
    p.colleague_moves_live(&f.other).await;
    let err = backend
        .rollback(rollback_request(&p.env(), &f.target, &f.live, "stale-2"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Conflict { .. }), "{err:?}");
    assert_reads_live(&*backend, &p.env(), &f.other).await;
}

/// 8. Read-only credentials may look; their identity says so; actions are refused naming
///    the permission; a rollback is forbidden and changes nothing.
pub async fn a_read_only_token_may_look_but_not_act<P: Platform>() {
    let p = P::start().await;
    let f = p.fixtures();
    let traits = P::TRAITS;
    let viewer = p.read_only().await;
    if traits.role_known_up_front {
        assert_eq!(viewer.identity().await.unwrap().role, Role::ReadOnly);
    }
    assert_eq!(live_seen(&*viewer, &p.env()).await, f.live);
    assert!(!listed(&*viewer, &p.env()).await.is_empty());
    let performed = p.performed().await;
    let err = viewer
        .rollback(rollback_request(&p.env(), &f.target, &f.live, "viewer-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Forbidden { .. }), "{err:?}");
    assert_unchanged(&p, performed, &f.live).await;
    assert_reads_live(&*viewer, &p.env(), &f.live).await;

    assert_eq!(viewer.identity().await.unwrap().role, Role::ReadOnly);
    let actions = viewer.actions(&p.env(), &f.target).await.unwrap();
    let rollback = actions
        .iter()
        .find(|a| a.action == Action::Rollback)
        .unwrap();
    assert!(!rollback.allowed, "{rollback:?}");
    assert_eq!(rollback.code.as_deref(), Some("forbidden"));
    assert!(
        rollback
            .reason
            .as_deref()
            .is_some_and(|r| r.contains(traits.permission)),
        "the reason names `{}`: {rollback:?}",
        traits.permission
    );
}
