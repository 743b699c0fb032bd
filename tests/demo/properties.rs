//! Property tests over random sequences of operations and clock steps.

use crate::support::*;
use proptest::prelude::*;
use std::collections::HashMap;
use switchback::backend::demo::Push;
use switchback::backend::{Backend, OperationRequest, RedeployRequest};
use switchback::domain::{
    DeploymentId, EnvMode, EnvRef, EnvironmentKind, LiveCause, OperationId, OperationKind,
    OperationStatus, RuntimeState,
};

#[derive(Clone, Debug)]
enum Move {
    Rollback {
        target: usize,
        expect: Expect,
    },
    Promote {
        target: usize,
        expect: Expect,
    },
    Redeploy {
        target: usize,
        rebuild: bool,
        expect: Expect,
    },
    Push {
        env: usize,
        fails: bool,
    },
    Replay {
        which: usize,
    },
    Advance {
        secs: u64,
    },
}

/// Which live deployment the caller claims to have seen.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Nothing,
    Current,
    Stale(usize),
}

#[derive(Clone, Debug)]
enum Sent {
    Switch(OperationKind, OperationRequest),
    Redeploy(RedeployRequest),
}

fn moves() -> impl Strategy<Value = Move> {
    let expect = prop_oneof![
        Just(Expect::Nothing),
        Just(Expect::Current),
        (0usize..64).prop_map(Expect::Stale)
    ];
    prop_oneof![
        4 => (0usize..64, expect.clone()).prop_map(|(target, expect)| Move::Rollback { target, expect }),
        3 => (0usize..64, expect.clone()).prop_map(|(target, expect)| Move::Promote { target, expect }),
        2 => (0usize..64, any::<bool>(), expect).prop_map(|(target, rebuild, expect)| Move::Redeploy { target, rebuild, expect }),
        2 => (0usize..2, prop::bool::weighted(0.2)).prop_map(|(env, fails)| Move::Push { env, fails }),
        2 => (0usize..64).prop_map(|which| Move::Replay { which }),
        4 => prop::sample::select(vec![0u64, 1, 5, 19, 20, 25, 60, 600, 1799, 1800]).prop_map(|secs| Move::Advance { secs }),
    ]
}

struct Tracker {
    sent: Vec<(Sent, OperationId)>,
    ops: HashMap<OperationId, OperationStatus>,
    deployments: usize,
    modes: HashMap<EnvRef, EnvMode>,
}

async fn check_invariants(demo: &Demo, envs: &[EnvRef], t: &mut Tracker) {
    for env in envs {
        let e = demo.env(env).await;
        let all = demo.all(env).await;
        let live: Vec<_> = all.iter().filter(|d| d.is_live).collect();
        match &e.live {
            Some(id) => {
                assert_eq!(live.len(), 1, "{env}: exactly one live deployment");
                assert_eq!(&live[0].id, id);
                if e.kind != EnvironmentKind::Preview {
                    assert_eq!(
                        live[0].runtime_state,
                        RuntimeState::Running,
                        "{env}: live {} is not running",
                        live[0].label
                    );
                }
            }
            None => assert!(live.is_empty()),
        }
        for domain in e.domains.iter().filter(|d| d.kind.moves_on_switch()) {
            assert_eq!(
                domain.deployment, e.live,
                "{env}: {} points elsewhere",
                domain.hostname
            );
        }
        // The rolled-back mode ends only by a promote, and begins only by a rollback.
        let ops = demo.backend.list_operations(env).await.unwrap();
        let before = t
            .modes
            .insert(env.clone(), e.mode)
            .unwrap_or(EnvMode::Normal);
        let newly_completed = |kind: OperationKind| {
            ops.iter().any(|o| {
                o.kind == kind
                    && o.status == OperationStatus::Completed
                    && t.ops.get(&o.id) != Some(&OperationStatus::Completed)
            })
        };
        if before == EnvMode::RolledBack && e.mode == EnvMode::Normal {
            assert!(
                newly_completed(OperationKind::Promote),
                "{env}: left rolled-back mode without a promote"
            );
        }
        if before == EnvMode::Normal && e.mode == EnvMode::RolledBack {
            assert!(
                newly_completed(OperationKind::Rollback),
                "{env}: entered rolled-back mode without a rollback"
            );
        }
        // Each completed rollback/redeploy switched at most once.
        let history = demo.backend.live_history(env).await.unwrap();
        let completed = |kind| {
            ops.iter()
                .filter(|o| o.kind == kind && o.status == OperationStatus::Completed)
                .count()
        };
        let switched = |cause| history.iter().filter(|c| c.cause == cause).count();
        let since_start = |cause| {
            history
                .iter()
                .filter(|c| c.cause == cause && c.at >= t0())
                .count()
        };
        assert!(since_start(LiveCause::Rollback) <= completed(OperationKind::Rollback));
        assert!(since_start(LiveCause::Promote) <= completed(OperationKind::Promote));
        assert!(switched(LiveCause::Redeploy) <= completed(OperationKind::Redeploy));
    }
    // No operation lost, none performed twice, finished ones never change.
    let mut all_ops = Vec::new();
    for env in envs {
        all_ops.extend(demo.backend.list_operations(env).await.unwrap());
    }
    assert_eq!(
        all_ops.len(),
        t.ops.len(),
        "one operation per accepted request"
    );
    for op in &all_ops {
        let previous = t
            .ops
            .get(&op.id)
            .copied()
            .expect("an operation nobody asked for");
        if previous.is_finished() {
            assert_eq!(op.status, previous, "a finished operation changed");
        }
        t.ops.insert(op.id.clone(), op.status);
    }
    let mut total = 0;
    for env in envs {
        total += demo.all(env).await.len();
    }
    assert_eq!(
        total, t.deployments,
        "deployments appear only by push or redeploy"
    );
}

async fn run(moves: Vec<Move>) {
    let demo = Demo::new("bad-deploy");
    let envs = [prod(), EnvRef::new("acme/storefront", "staging")];
    let mut t = Tracker {
        sent: Vec::new(),
        ops: HashMap::new(),
        deployments: 0,
        modes: HashMap::new(),
    };
    for env in &envs {
        t.deployments += demo.all(env).await.len();
    }
    check_invariants(&demo, &envs, &mut t).await;
    for (i, m) in moves.into_iter().enumerate() {
        let env = prod();
        let listing = demo.all(&env).await;
        let pick = |n: usize| listing[n % listing.len()].id.clone();
        let live = demo.env(&env).await.live;
        let expected = |e: Expect| -> Option<DeploymentId> {
            match e {
                Expect::Nothing => None,
                Expect::Current => live.clone(),
                Expect::Stale(n) => Some(pick(n)),
            }
        };
        let key = format!("key-{i}");
        let sent = match m {
            Move::Rollback { target, expect } | Move::Promote { target, expect } => {
                let kind = if matches!(m, Move::Rollback { .. }) {
                    OperationKind::Rollback
                } else {
                    OperationKind::Promote
                };
                let mut req = request(&env, &pick(target), &key);
                req.expected_live = expected(expect);
                Some(Sent::Switch(kind, req))
            }
            Move::Redeploy {
                target,
                rebuild,
                expect,
            } => {
                let mut req = redeploy_request(&env, &pick(target), rebuild, &key);
                req.expected_live = expected(expect);
                Some(Sent::Redeploy(req))
            }
            Move::Replay { which } if !t.sent.is_empty() => {
                let (sent, id) = t.sent[which % t.sent.len()].clone();
                let again = send(&demo, &sent)
                    .await
                    .expect("a replay answers like the first time");
                assert_eq!(again.id, id, "a replay returns the same operation");
                None
            }
            Move::Replay { .. } => None,
            Move::Push { env, fails } => {
                let mut push = Push::new(format!("Change {i}"), "prop");
                push.build_fails = fails;
                demo.backend.push(&envs[env], push).unwrap();
                t.deployments += 1;
                None
            }
            Move::Advance { secs } => {
                demo.advance(secs);
                None
            }
        };
        if let Some(sent) = sent
            && let Ok(handle) = send(&demo, &sent).await
        {
            assert!(
                !t.ops.contains_key(&handle.id),
                "a new request made a new operation"
            );
            t.ops.insert(handle.id.clone(), OperationStatus::Queued);
            if handle.new_deployment.is_some() {
                t.deployments += 1;
            }
            t.sent.push((sent, handle.id));
        }
        check_invariants(&demo, &envs, &mut t).await;
    }
}

async fn send(
    demo: &Demo,
    sent: &Sent,
) -> Result<switchback::backend::OperationHandle, switchback::backend::BackendError> {
    match sent {
        Sent::Switch(OperationKind::Rollback, req) => demo.backend.rollback(req.clone()).await,
        Sent::Switch(_, req) => demo.backend.promote(req.clone()).await,
        Sent::Redeploy(req) => demo.backend.redeploy(req.clone()).await,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_rules_hold_after_every_step(moves in prop::collection::vec(moves(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(run(moves));
    }
}
