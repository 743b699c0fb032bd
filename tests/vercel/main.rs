//! The Vercel adapter against a local fake of Vercel's REST API, built from Vercel's OpenAPI
//! document (read from `../shared/specs` at run time) and its CLI's behaviour.

#[path = "../support/vercel/mod.rs"]
mod vercel;

mod binary;
mod metrics;
mod operations;
mod parity;
mod reads;

pub use vercel::fake::{self, Fake, Scripted};
pub use vercel::world::*;

use switchback::backend::{Backend, OperationRequest};
use switchback::domain::{EnvRef, Operation, OperationId, Scope};

pub const ROLLBACK: &str = "POST /v9/projects/{projectId}/rollback/{deploymentId}";
pub const PROMOTE: &str = "POST /v10/projects/{projectId}/promote/{deploymentId}";
pub const CREATE: &str = "POST /v13/deployments";
pub const CANCEL: &str = "PATCH /v12/deployments/{id}/cancel";
pub const GET_PROJECT: &str = "GET /v9/projects/{idOrName}";
pub const ROLLBACK_ALIASES: &str = "GET /v9/projects/{projectId}/rollback/aliases";

pub fn request(target: &str, expected_live: Option<&str>, key: &str) -> OperationRequest {
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

/// Asks for the operation until it finishes, `step` of virtual time apart; at most `limit`
/// looks. Returns it and every state it was seen in.
pub async fn follow(
    h: &Harness,
    env: &EnvRef,
    op: &OperationId,
    step: std::time::Duration,
    limit: usize,
) -> (Operation, Vec<Operation>) {
    let mut seen = Vec::new();
    for _ in 0..limit {
        h.clock.advance(step);
        let op = h.backend.operation(env, op).await.unwrap();
        seen.push(op.clone());
        if op.status.is_finished() {
            return (op, seen);
        }
    }
    panic!(
        "operation did not finish within {limit} looks: {:?}",
        seen.last()
    );
}
