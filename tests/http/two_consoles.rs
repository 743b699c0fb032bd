//! Two engineers, two consoles, one platform.

use crate::support::*;
use switchback::backend::{Backend, BackendError};

#[tokio::test]
async fn the_second_console_sees_the_first_ones_rollback_on_its_next_read() {
    let platform = Platform::start().await;
    let alice = deployer(&platform.url());
    let bob = deployer(&platform.url());
    let (v41, v42) = (platform.id("v41").await, platform.id("v42").await);
    assert_eq!(
        bob.get_environment(&prod()).await.unwrap().live,
        Some(v42.clone())
    );

    alice
        .rollback(rollback(&v41, &v42, "k-a", "alice"))
        .await
        .unwrap();

    let seen_by_bob = bob.get_environment(&prod()).await.unwrap();
    assert_eq!(seen_by_bob.live, Some(v41.clone()));
    let last = bob.live_history(&prod()).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.deployment, last.actor.as_deref()),
        (v41, Some("alice"))
    );
}

#[tokio::test]
async fn racing_rollbacks_give_one_success_and_one_conflict_naming_the_winner() {
    let platform = Platform::start().await;
    let alice = deployer(&platform.url());
    let bob = deployer(&platform.url());
    let (v40, v41, v42) = (
        platform.id("v40").await,
        platform.id("v41").await,
        platform.id("v42").await,
    );

    let (a, b) = tokio::join!(
        alice.rollback(rollback(&v41, &v42, "k-alice", "alice")),
        bob.rollback(rollback(&v40, &v42, "k-bob", "bob")),
    );

    let ops = platform.operations(&prod()).await;
    assert_eq!(
        ops.len(),
        1,
        "exactly one operation at the platform: {ops:#?}"
    );
    let (winner, loser, loser_name) = match (a, b) {
        (Ok(handle), Err(err)) => (handle, err, "bob"),
        (Err(err), Ok(handle)) => (handle, err, "alice"),
        other => panic!("expected one success and one conflict, got {other:?}"),
    };
    assert_eq!(ops[0].id, winner.id);
    let winner_name = if loser_name == "bob" { "alice" } else { "bob" };
    match loser {
        BackendError::Conflict {
            live_now,
            changed_by,
            ..
        } => {
            assert_eq!(live_now, Some(ops[0].target.clone()));
            assert_eq!(changed_by.as_deref(), Some(winner_name));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}
