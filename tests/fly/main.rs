//! The Fly adapter against a local fake of Fly's Machines, GraphQL and releases APIs,
//! checked against their specs (read from `../shared/specs` at run time).

#[path = "../support/fly/mod.rs"]
mod fly;

mod bluegreen;
mod failures;
mod fidelity;
mod metrics;
mod orchestration;
mod reads;
mod tokens;

pub use fly::fake::{Fake, Scripted};
pub use fly::world::*;

use std::time::Duration;
use switchback::backend::{Backend, OperationRequest};
use switchback::domain::{EnvRef, Operation, OperationId, Scope, Strategy};

pub const LEASE: &str = "POST /apps/{app_name}/machines/{machine_id}/lease";
pub const UNLEASE: &str = "DELETE /apps/{app_name}/machines/{machine_id}/lease";
pub const UPDATE: &str = "POST /apps/{app_name}/machines/{machine_id}";
pub const WAIT: &str = "GET /apps/{app_name}/machines/{machine_id}/wait";
pub const GET_MACHINE: &str = "GET /apps/{app_name}/machines/{machine_id}";
pub const LIST_MACHINES: &str = "GET /apps/{app_name}/machines";
pub const CREATE_MACHINE: &str = "POST /apps/{app_name}/machines";
pub const DESTROY_MACHINE: &str = "DELETE /apps/{app_name}/machines/{machine_id}";
pub const CREATE_RELEASE: &str = "POST /api/v1/releases";
pub const SET_STATUS: &str = "PATCH /api/v1/releases/{release_id}";
pub const AUTHORIZE: &str = "POST /tokens/authorize";

pub fn request(target: i64, expected: Option<i64>, key: &str) -> OperationRequest {
    OperationRequest {
        env: production(),
        target: id(target),
        expected_live: expected.map(id),
        idempotency_key: key.to_owned(),
        actor: "oncall".to_owned(),
        strategy: None,
        scope: Scope::default(),
    }
}

pub fn with_strategy(mut request: OperationRequest, strategy: Strategy) -> OperationRequest {
    request.strategy = Some(strategy);
    request
}

pub fn scoped(
    mut request: OperationRequest,
    regions: &[&str],
    groups: &[&str],
) -> OperationRequest {
    request.scope = Scope {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        components: groups.iter().map(|g| g.to_string()).collect(),
    };
    request
}

/// Follows an operation to its end (a rollout runs in the background).
pub async fn finished(backend: &dyn Backend, env: &EnvRef, id: &OperationId) -> Operation {
    for _ in 0..400 {
        let op = backend.operation(env, id).await.unwrap();
        if op.status.is_finished() {
            return op;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("operation {id} never finished")
}

/// Nothing is left behind: no lease held on the app, no release left `running` or
/// `pending`.
pub fn assert_clean(h: &Harness) {
    let (leases, open) = h.fake.with(|s| {
        (
            s.leases_held(APP),
            s.releases
                .iter()
                .filter(|r| r.app == APP && matches!(r.status.as_str(), "running" | "pending"))
                .map(|r| format!("v{} {}", r.version, r.status))
                .collect::<Vec<_>>(),
        )
    });
    assert!(leases.is_empty(), "leases left behind on {leases:?}");
    assert!(open.is_empty(), "releases left open: {open:?}");
}

/// The statuses written to the newest release, in order.
pub fn statuses(h: &Harness) -> Vec<String> {
    h.fake.with(|s| s.newest_release(APP).statuses.clone())
}

/// Machine ids in the order their updates arrived.
pub fn updated_in_order(h: &Harness) -> Vec<String> {
    h.fake
        .requests()
        .iter()
        .filter(|r| r.route == UPDATE && r.status == 200)
        .map(|r| r.path.rsplit('/').next().unwrap().to_owned())
        .collect()
}

/// The release version each Machine of the app carries.
pub fn versions(h: &Harness) -> Vec<(String, i64)> {
    h.fake.with(|s| {
        s.machines
            .iter()
            .filter(|m| m.app == APP && m.state != "destroyed")
            .map(|m| (m.id.clone(), m.release_version().unwrap()))
            .collect()
    })
}
