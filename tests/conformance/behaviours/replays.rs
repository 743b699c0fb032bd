//! Nothing is carried out twice: replayed keys, and answers that come too late.

use super::*;

/// 7. The same request sent twice returns the same operation and is carried out once. A
///    restarted console's replay returns it again where the platform keeps keys, and is
///    refused where only the adapter did.
pub async fn a_replayed_idempotency_key_is_carried_out_once<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let f = p.fixtures();
    let performed = p.performed().await;
    let request = rollback_request(&p.env(), &f.target, &f.live, "replay-1");
    let first = backend.rollback(request.clone()).await.unwrap();
    let again = backend.rollback(request.clone()).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(p.performed().await, performed + 1);
    assert_eq!(
        follow(&p, &*backend, &first.id).await.status,
        OperationStatus::Completed
    );

    let restarted = p.restarted().await;
    match (P::TRAITS.keys, restarted.rollback(request).await) {
        (Keys::Platform, Ok(replayed)) => assert_eq!(replayed.id, first.id),
        (Keys::Adapter, Err(err)) => assert!(
            matches!(
                err,
                BackendError::Conflict { .. } | BackendError::Precondition { .. }
            ),
            "{err:?}"
        ),
        (keys, other) => panic!("keys kept by {keys:?}: {other:?}"),
    }
    assert_eq!(p.performed().await, performed + 1, "carried out twice");
    assert_eq!(p.live_at_platform().await, Some(f.target.clone()));
}

/// 9. A redeploy whose answer comes later than the adapter waits (the platform created the
///    deployment) is never carried out twice: one new deployment at the fake, and one seen
///    by a look through the adapter. Without a network, one redeploy creates one
///    deployment and its replay none.
pub async fn a_redeploy_answered_too_late_is_carried_out_once<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let f = p.fixtures();
    let created = p.creations().await;
    let seen = listed(&*backend, &p.env()).await.len();
    p.answer_next_creation_late().await;
    let request = redeploy_request(&p, &f.redeploy_source, "redeploy-once");
    let outcome = backend.redeploy(request.clone()).await;
    assert!(
        !p.late_answer_pending().await,
        "the redeploy never reached the late answer: {outcome:?}"
    );
    assert_eq!(p.creations().await, created + 1, "{outcome:?}");
    assert_eq!(
        listed(&*backend, &p.env()).await.len(),
        seen + 1,
        "a look shows what happened: {outcome:?}"
    );
    if !P::TRAITS.network {
        let first = outcome.unwrap();
        let again = backend.redeploy(request).await.unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(p.creations().await, created + 1);
    }
}

/// 9b. `switchback redeploy --yes`, run as a script runs it, against the fake whose answer
///     to the creation comes too late: whatever the command reports, the platform holds
///     one new deployment, never two. A platform the binary cannot reach has no network.
pub async fn the_redeploy_command_answered_too_late_creates_one<P: Platform>() {
    let p = P::start().await;
    let Some(cli) = p.command_line() else {
        assert!(
            !P::TRAITS.network,
            "a platform with a network gives a config"
        );
        return;
    };
    let home = Home::new();
    home.write_config(&cli.config);
    let created = p.creations().await;
    p.answer_next_creation_late().await;
    let f = p.fixtures();
    let mut command = home.command();
    command
        .args(["redeploy", f.redeploy_source.as_str()])
        .args(["--project", &cli.project, "--env", &cli.env])
        .args(["--yes", "--no-wait"])
        .envs(cli.vars.iter().map(|(k, v)| (k, v)));
    if f.rebuild {
        command.arg("--rebuild");
    }
    let run = command.output().await.unwrap();
    let said = format!(
        "exit {:?}\n{}{}",
        run.status.code(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!p.late_answer_pending().await, "{said}");
    assert_eq!(p.creations().await, created + 1, "{said}");
}
