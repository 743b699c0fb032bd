//! Rollouts as flyctl runs them: the release first, every Machine leased, updated with its
//! whole config in batches, waited for and checked, the leases given back, the release
//! marked; and what the fake saw, request by request.

use super::*;
use switchback::domain::{OperationStatus, StepStatus};

#[tokio::test]
async fn a_rolling_rollback_of_six_machines_goes_group_by_group_in_batches() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(request(29, Some(30), "roll-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(
        op.status,
        OperationStatus::Completed,
        "{:?} {:?}",
        op.error,
        op.log
    );
    // Per process group, in id order; the first Machine alone, then ceil(4 × 0.33) = 2.
    assert_eq!(
        updated_in_order(&h),
        [
            "148e001", "148e002", "148e003", "148e004", "148e005", "148e006"
        ]
    );
    let batches: Vec<&str> = op
        .steps
        .iter()
        .filter(|s| s.name.starts_with("batch"))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        batches,
        [
            "batch 1/5: app: 1 Machine (ams)",
            "batch 2/5: app: 2 Machines (ams, ord)",
            "batch 3/5: app: 1 Machine (ord)",
            "batch 4/5: worker: 1 Machine (ams)",
            "batch 5/5: worker: 1 Machine (ord)",
        ]
    );
    assert!(
        op.steps
            .iter()
            .filter(|s| s.name.starts_with("batch"))
            .all(|s| s.expected_secs.is_some())
    );
    assert!(
        op.steps.iter().all(|s| s.status == StepStatus::Done),
        "{:?}",
        op.steps
    );
    // The release was created and marked running before any Machine changed.
    assert_eq!(statuses(&h), ["pending", "running", "complete"]);
    let requests = h.fake.requests();
    let running = requests.iter().position(|r| r.route == SET_STATUS).unwrap();
    let first_lease = requests.iter().position(|r| r.route == LEASE).unwrap();
    let first_update = requests.iter().position(|r| r.route == UPDATE).unwrap();
    assert!(running < first_lease && first_lease < first_update);
    // Every lease was taken before the first update and given back after the last one.
    let last_lease = requests.iter().rposition(|r| r.route == LEASE).unwrap();
    let first_unlease = requests.iter().position(|r| r.route == UNLEASE).unwrap();
    let last_update = requests.iter().rposition(|r| r.route == UPDATE).unwrap();
    assert!(last_lease < first_update && last_update < first_unlease);
    // Each update carried its lease's nonce, the whole config, the version it expected.
    for update in requests.iter().filter(|r| r.route == UPDATE) {
        assert!(update.nonce.is_some(), "{update:?}");
        let body = update.body.as_ref().unwrap();
        assert_eq!(body["config"]["image"], image(29));
        assert_eq!(body["config"]["metadata"]["fly_release_version"], "31");
        assert_eq!(body["config"]["metadata"]["fly_platform_version"], "v2");
        assert!(body["config"]["services"].is_array() && body["config"]["checks"].is_object());
        assert!(body["current_version"].is_string());
    }
    assert!(
        versions(&h).iter().all(|(_, v)| *v == 31),
        "{:?}",
        versions(&h)
    );
    assert_eq!(h.fake.with(|s| s.live(APP)), Some(29));
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_rollback_of_six_machines_makes_only_the_requests_the_sequence_needs() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(request(29, Some(30), "count-1"))
        .await
        .unwrap();
    finished(&*h.backend, &production(), &handle.id).await;
    let requests = h.fake.requests();
    let count = |route: &str| requests.iter().filter(|r| r.route == route).count();
    // Checks: may the token deploy, the releases, the Machines, the image.
    assert_eq!(count(AUTHORIZE), 1);
    assert_eq!(count("graphql releases"), 1);
    assert_eq!(count(LIST_MACHINES), 1);
    assert_eq!(count("graphql image"), 1);
    // The release, running, then per Machine: lease, update, wait, checks, lease back.
    assert_eq!(count(CREATE_RELEASE), 1);
    for route in [LEASE, UPDATE, WAIT, GET_MACHINE, UNLEASE] {
        assert_eq!(count(route), 6, "{route}");
    }
    assert_eq!(count(SET_STATUS), 2);
    assert_eq!(
        requests.len(),
        37,
        "{:#?}",
        requests.iter().map(|r| &r.route).collect::<Vec<_>>()
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn immediate_updates_every_machine_at_once_without_waiting() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(with_strategy(
            request(29, Some(30), "now-1"),
            Strategy::Immediate,
        ))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    assert_eq!(h.fake.calls(UPDATE), 6);
    assert_eq!(h.fake.calls(WAIT), 0);
    assert_eq!(h.fake.calls(GET_MACHINE), 0);
    assert_eq!(
        op.steps
            .iter()
            .filter(|s| s.name.starts_with("batch"))
            .count(),
        1
    );
    let strategy = h.fake.with(|s| s.newest_release(APP).strategy.clone());
    assert_eq!(strategy, "IMMEDIATE");
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_canary_machine_per_group_is_started_checked_and_destroyed_first() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(with_strategy(
            request(29, Some(30), "canary-1"),
            Strategy::Canary,
        ))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    let requests = h.fake.requests();
    let creates: Vec<&fly::fake::Recorded> = requests
        .iter()
        .filter(|r| r.route == CREATE_MACHINE)
        .collect();
    assert_eq!(creates.len(), 2, "one canary per process group");
    for create in &creates {
        let config = &create.body.as_ref().unwrap()["config"];
        assert_eq!(config["metadata"]["fly_canary"], "true");
        assert_eq!(config["image"], image(29));
    }
    assert_eq!(h.fake.calls(DESTROY_MACHINE), 2);
    // Both canaries before the first update of an existing Machine.
    let last_destroy = requests
        .iter()
        .rposition(|r| r.route == DESTROY_MACHINE)
        .unwrap();
    let first_update = requests.iter().position(|r| r.route == UPDATE).unwrap();
    assert!(last_destroy < first_update);
    let canaries_left = h.fake.with(|s| {
        s.machines
            .iter()
            .filter(|m| m.config["metadata"]["fly_canary"] == "true" && m.state != "destroyed")
            .count()
    });
    assert_eq!(canaries_left, 0);
    assert_eq!(h.fake.with(|s| s.live(APP)), Some(29));
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_region_scope_moves_only_its_machines_and_the_mixed_state_is_shown_then_finished() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(scoped(request(29, Some(30), "ord-1"), &["ord"], &[]))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    assert_eq!(updated_in_order(&h), ["148e003", "148e004", "148e006"]);
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(
        env.live_label.as_deref(),
        Some("v30 on 3/6 Machines, v29 on 3")
    );
    assert_eq!(env.mixed.len(), 1);
    assert_eq!(env.mixed[0].deployment, id(29));
    assert_eq!(env.mixed[0].scope.regions, ["ord"]);
    // The list says so too: v29 runs in ord.
    let v29 = h
        .backend
        .get_deployment(&production(), &id(29))
        .await
        .unwrap();
    assert_eq!(&*v29.regions, ["ord"]);

    // "Roll the rest back": the same rollback again moves only the Machines not yet there.
    let rest = h
        .backend
        .rollback(request(29, Some(30), "rest-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &rest.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    assert_eq!(
        updated_in_order(&h),
        [
            "148e003", "148e004", "148e006", "148e001", "148e002", "148e005"
        ]
    );
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live, Some(id(29)));
    assert!(env.mixed.is_empty());
    assert_eq!(env.live_label.as_deref(), Some("v29"));
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_done_machines_can_be_returned_to_the_release_they_ran() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(scoped(request(29, Some(30), "ams-1"), &["ams"], &[]))
        .await
        .unwrap();
    finished(&*h.backend, &production(), &handle.id).await;
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert!(env.is_mixed());
    let seen = env.live.clone().unwrap();
    let back = h
        .backend
        .rollback(request(30, seen.as_str().parse().ok(), "back-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &back.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live, Some(id(30)));
    assert!(env.mixed.is_empty());
    assert_clean(&h);
}

#[tokio::test]
async fn a_process_group_scope_moves_only_that_group() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(scoped(request(29, Some(30), "worker-1"), &[], &["worker"]))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    assert_eq!(updated_in_order(&h), ["148e005", "148e006"]);
    let err = h
        .backend
        .rollback(scoped(request(29, Some(30), "nope-1"), &[], &["cron"]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cron"), "{err}");
    assert_clean(&h);
}

#[tokio::test]
async fn a_stopped_machine_is_updated_without_being_started() {
    let h = standard().await;
    h.fake.with(|s| {
        let m = s.machine_mut("148e006").unwrap();
        m.state = "stopped".to_owned();
    });
    let handle = h
        .backend
        .rollback(request(29, Some(30), "stopped-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    let update = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == UPDATE && r.path.ends_with("148e006"))
        .unwrap();
    assert_eq!(update.body.unwrap()["skip_launch"], true);
    assert_eq!(
        h.fake.with(|s| s.machine("148e006").state.clone()),
        "stopped"
    );
    assert_eq!(h.fake.calls(WAIT), 5);
    assert_clean(&h);
}

#[tokio::test]
async fn a_lease_is_refreshed_with_its_nonce_before_it_runs_out() {
    let clock = clock();
    let mut state = world(&clock);
    // Each Machine takes 40 s to start; leases live 60 s, refreshed from 30 s on.
    state.boot_secs = 40;
    let h = harness_with(state, clock, ORG_TOKEN).await;
    let handle = h
        .backend
        .rollback(request(29, Some(30), "slow-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    let refreshes = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route == LEASE && r.nonce.is_some())
        .count();
    assert!(refreshes >= 5, "leases refreshed {refreshes} times");
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_redeploy_runs_the_live_image_again_as_a_new_release() {
    let h = standard().await;
    let handle = h
        .backend
        .redeploy(switchback::backend::RedeployRequest {
            env: production(),
            source: id(30),
            rebuild: false,
            expected_live: Some(id(30)),
            idempotency_key: "again-1".to_owned(),
            actor: "oncall".to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(handle.new_deployment, Some(id(31)));
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    assert_eq!(h.fake.calls(UPDATE), 6);
    assert!(versions(&h).iter().all(|(_, v)| *v == 31));
    assert_eq!(h.fake.with(|s| s.live(APP)), Some(30));
    let v31 = h
        .backend
        .get_deployment(&production(), &id(31))
        .await
        .unwrap();
    assert_eq!(v31.redeployed_from, Some(id(30)));
    assert!(!v31.is_live);
    assert_clean(&h);
    h.fake.assert_conforms();
}
