//! The behaviours every adapter promises, each written once against [`Platform`]. Where a
//! platform cannot express one, its harness says so and the behaviour checks the refusal or
//! the equivalent the platform gives instead.

use crate::platform::{Keys, Platform};
use crate::support::home::Home;
use switchback::backend::{
    Backend, BackendError, OperationHandle, OperationRequest, PageRequest, PreconditionCode,
    RedeployRequest, Role,
};
use switchback::domain::{
    Action, Deployment, DeploymentId, EnvRef, Operation, OperationId, OperationKind,
    OperationStatus,
};

/// Looks at an operation at most this often, advancing the platform between looks.
const FOLLOW_LOOKS: usize = 60;
/// Pages a listing may take before it counts as endless.
const MAX_PAGES: usize = 1000;

fn rollback_request(
    env: &EnvRef,
    target: &DeploymentId,
    expected_live: &DeploymentId,
    key: &str,
) -> OperationRequest {
    OperationRequest {
        env: env.clone(),
        target: target.clone(),
        expected_live: Some(expected_live.clone()),
        idempotency_key: key.to_owned(),
        actor: "oncall".to_owned(),
        strategy: None,
        scope: Default::default(),
    }
}

/// Every deployment of `env`, `limit` at a time, following `next` to the end; and how many
/// pages that took.
async fn all_pages(backend: &dyn Backend, env: &EnvRef, limit: usize) -> (Vec<Deployment>, usize) {
    let mut items = Vec::new();
    let mut page = PageRequest::first(limit);
    for pages in 1..=MAX_PAGES {
        let got = backend.list_deployments(env, page.clone()).await.unwrap();
        assert!(
            got.items.len() <= limit,
            "a page of {} asked for at most {limit}",
            got.items.len()
        );
        items.extend(got.items);
        match got.next {
            Some(cursor) => page.cursor = Some(cursor),
            None => return (items, pages),
        }
    }
    panic!("the listing did not end within {MAX_PAGES} pages")
}

async fn listed(backend: &dyn Backend, env: &EnvRef) -> Vec<Deployment> {
    all_pages(backend, env, 100).await.0
}

/// Asks for the operation until it finishes, advancing the platform between looks.
async fn follow<P: Platform>(p: &P, backend: &dyn Backend, id: &OperationId) -> Operation {
    for _ in 0..FOLLOW_LOOKS {
        let op = backend.operation(&p.env(), id).await.unwrap();
        if op.status.is_finished() {
            return op;
        }
        p.advance().await;
    }
    panic!("operation {id} did not finish within {FOLLOW_LOOKS} looks")
}

/// Carries out `action` on `deployment` as the console would.
async fn perform<P: Platform>(
    p: &P,
    backend: &dyn Backend,
    action: Action,
    deployment: &DeploymentId,
    key: &str,
) -> Result<OperationHandle, BackendError> {
    let live = &p.fixtures().live;
    let request = rollback_request(&p.env(), deployment, live, key);
    match action {
        Action::Rollback => backend.rollback(request).await,
        Action::Promote => backend.promote(request).await,
        Action::Redeploy => backend.redeploy(redeploy_request(p, deployment, key)).await,
    }
}

fn redeploy_request<P: Platform>(p: &P, source: &DeploymentId, key: &str) -> RedeployRequest {
    RedeployRequest {
        env: p.env(),
        source: source.clone(),
        rebuild: p.fixtures().rebuild,
        expected_live: Some(p.fixtures().live.clone()),
        idempotency_key: key.to_owned(),
        actor: "oncall".to_owned(),
    }
}

/// The live deployment as the engineer sees it before acting.
async fn live_seen(backend: &dyn Backend, env: &EnvRef) -> DeploymentId {
    let environment = backend.get_environment(env).await.unwrap();
    environment.live.expect("a live deployment")
}

/// The code of a platform's refusal.
fn refusal(err: &BackendError) -> Option<PreconditionCode> {
    match err {
        BackendError::Precondition { code, .. } => Some(*code),
        _ => None,
    }
}

fn ids(deployments: &[Deployment]) -> Vec<&str> {
    deployments.iter().map(|d| d.id.as_str()).collect()
}

/// Nothing moved at the fake: it carried out no more than `performed` operations and live
/// is still `live`.
async fn assert_unchanged<P: Platform>(p: &P, performed: usize, live: &DeploymentId) {
    assert_eq!(
        p.performed().await,
        performed,
        "the fake carried something out"
    );
    assert_eq!(p.live_at_platform().await.as_ref(), Some(live));
}

/// The adapter reports `live` as the environment's live deployment and marks it so in the
/// listing.
async fn assert_reads_live(backend: &dyn Backend, env: &EnvRef, live: &DeploymentId) {
    let environment = backend.get_environment(env).await.unwrap();
    assert_eq!(environment.live.as_ref(), Some(live));
    let listing = listed(backend, env).await;
    let marked: Vec<&str> = listing
        .iter()
        .filter(|d| d.is_live)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(marked, [live.as_str()]);
}

/// 1. Small pages followed to the end give the same deployments, in the same newest-first
///    order, as one big page: no duplicates, no gaps.
pub async fn listing_is_newest_first_and_complete_across_pages<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let (paged, pages) = all_pages(&*backend, &p.env(), 2).await;
    let (whole, whole_pages) = all_pages(&*backend, &p.env(), 100).await;
    assert!(
        pages > 1,
        "the world must span pages of 2: {:?}",
        ids(&whole)
    );
    assert_eq!(whole_pages, 1, "{:?}", ids(&whole));
    assert_eq!(ids(&paged), ids(&whole));
    assert_eq!(paged, whole);
    let mut unique = ids(&paged);
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), paged.len(), "duplicates: {:?}", ids(&paged));
    assert!(
        paged
            .windows(2)
            .all(|pair| pair[0].created_at >= pair[1].created_at),
        "newest first: {:?}",
        paged
            .iter()
            .map(|d| (d.id.as_str(), d.created_at))
            .collect::<Vec<_>>()
    );
}

/// 2. The environment's live deployment is listed, is the only one listed as live, and
///    reads the same on its own.
pub async fn the_live_deployment_is_listed_and_reads_alike<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let live = live_seen(&*backend, &p.env()).await;
    assert_eq!(live, p.fixtures().live);
    let listing = listed(&*backend, &p.env()).await;
    let marked: Vec<&Deployment> = listing.iter().filter(|d| d.is_live).collect();
    assert_eq!(
        marked.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [live.as_str()],
        "exactly the live one is marked live"
    );
    let alone = backend.get_deployment(&p.env(), &live).await.unwrap();
    assert_eq!(&alone, marked[0]);
}

/// 3. Every refused action says why; the live deployment cannot be rolled back to; the
///    platform's refusal comes with its code and suggestion; what the capabilities rule out
///    is refused everywhere.
pub async fn every_refused_action_says_why<P: Platform>() {
    let p = P::start().await;
    let backend = p.backend();
    let capabilities = backend.capabilities();
    let fixtures = p.fixtures();
    for deployment in listed(&*backend, &p.env()).await {
        let actions = backend.actions(&p.env(), &deployment.id).await.unwrap();
        for action in Action::ALL {
            let found: Vec<_> = actions.iter().filter(|a| a.action == action).collect();
            assert_eq!(
                found.len(),
                1,
                "{action:?} on {}: {actions:?}",
                deployment.id
            );
            let verdict = found[0];
            if !verdict.allowed {
                assert!(
                    verdict
                        .reason
                        .as_deref()
                        .is_some_and(|r| !r.trim().is_empty()),
                    "{action:?} on {} refused without a reason: {verdict:?}",
                    deployment.id
                );
                assert!(
                    verdict.code.as_deref().is_some_and(|c| !c.is_empty()),
                    "{verdict:?}"
                );
            }
            if action == Action::Promote && !capabilities.promote {
                assert!(!verdict.allowed, "promote is not a capability: {verdict:?}");
            }
            if action == Action::Rollback && deployment.id == fixtures.live {
                assert!(!verdict.allowed, "rollback to the live one: {verdict:?}");
            }
        }
    }
    let refused = &fixtures.refused;
    let actions = backend
        .actions(&p.env(), &refused.deployment)
        .await
        .unwrap();
    let verdict = actions.iter().find(|a| a.action == refused.action).unwrap();
    assert!(!verdict.allowed, "{verdict:?}");
    assert_eq!(verdict.code.as_deref(), Some(refused.code.as_str()));
    assert_eq!(verdict.suggestion, refused.suggestion);
    let target = backend.actions(&p.env(), &fixtures.target).await.unwrap();
    assert!(
        target
            .iter()
            .any(|a| a.action == Action::Rollback && a.allowed),
        "{target:?}"
    );
}

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
