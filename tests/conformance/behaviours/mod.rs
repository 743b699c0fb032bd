//! The behaviours every adapter promises, each written once against [`Platform`]. Where a
//! platform cannot express one, its harness says so and the behaviour checks the refusal or
//! the equivalent the platform gives instead.

mod reads;
mod replays;
mod switches;

pub use reads::*;
pub use replays::*;
pub use switches::*;

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
    assert_eq!(&live_seen(backend, env).await, live);
    let listing = listed(backend, env).await;
    let marked: Vec<&str> = listing
        .iter()
        .filter(|d| d.is_live)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(marked, [live.as_str()]);
}
