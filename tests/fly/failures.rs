//! Whatever fails, and wherever: the rollout stops, every lease is given back and the
//! release is marked `failed` (or `interrupted` when asked to stop), never left `running`.

use super::*;
use switchback::backend::BackendError;
use switchback::domain::OperationStatus;

/// A rollback that fails in the background at some step.
async fn fails_in_the_rollout(h: &Harness, key: &str) -> Operation {
    let handle = h
        .backend
        .rollback(request(29, Some(30), key))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception, "{:?}", op.log);
    op
}

#[tokio::test]
async fn each_step_failing_before_the_rollout_leaves_no_lease_and_no_open_release() {
    // (route, status, the model acts first, words of the error, statuses of the newest release)
    let cases: [(&str, u16, bool, &str, &[&str]); 6] = [
        (
            "graphql image",
            401,
            false,
            "refused the token",
            &["complete"],
        ),
        (LIST_MACHINES, 403, false, "may not", &["complete"]),
        (CREATE_RELEASE, 500, false, "may have", &["complete"]),
        (
            CREATE_RELEASE,
            502,
            true,
            "may have",
            &["pending", "failed"],
        ),
        (
            SET_STATUS,
            422,
            false,
            "mark the release running",
            &["pending", "failed"],
        ),
        (
            LEASE,
            500,
            false,
            "may have",
            &["pending", "running", "failed"],
        ),
    ];
    for (route, status, after_applying, shows, written) in cases {
        let h = standard().await;
        h.fake.script(Scripted {
            after_applying,
            ..Scripted::once(route, status)
        });
        let err = h
            .backend
            .rollback(request(29, Some(30), "fail"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(shows), "{route}: {err}");
        assert_eq!(h.fake.calls(UPDATE), 0, "{route}");
        assert_eq!(statuses(&h), written, "{route}");
        assert_clean(&h);
        h.fake.assert_conforms();
    }
}

#[tokio::test]
async fn a_lease_refused_halfway_gives_back_the_leases_already_taken() {
    let h = standard().await;
    h.fake.with(|s| {
        s.machine_mut("148e004").unwrap().lease = Some(fly::model::FakeLease {
            nonce: "theirs".to_owned(),
            owner: COLLEAGUE.to_owned(),
            expires_at: s.now() + 600,
        })
    });
    let err = h
        .backend
        .rollback(request(29, Some(30), "held-1"))
        .await
        .unwrap_err();
    let BackendError::Conflict {
        changed_by,
        message,
        live_now,
        ..
    } = &err
    else {
        panic!("a held lease is a conflict: {err:?}");
    };
    assert_eq!(changed_by.as_deref(), Some(COLLEAGUE));
    assert!(
        message.contains(COLLEAGUE) && message.contains("no Machine was changed"),
        "{message}"
    );
    assert_eq!(live_now, &Some(id(30)));
    assert_eq!(h.fake.calls(UPDATE), 0);
    assert_eq!(statuses(&h), ["pending", "running", "failed"]);
    // Only the colleague's lease is still there.
    assert_eq!(h.fake.with(|s| s.leases_held(APP)), ["148e004"]);
    assert_eq!(h.fake.calls(UNLEASE), 3);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_region_without_capacity_stops_the_rollout_and_shows_the_mixed_state() {
    let h = standard().await;
    h.fake.with(|s| s.full_regions.insert("ord".to_owned()));
    let op = fails_in_the_rollout(&h, "full-1").await;
    let error = op.error.unwrap();
    assert!(
        error.contains("148e003") && error.contains("no capacity"),
        "{error}"
    );
    assert!(
        error.contains("2 Machines now run v29 (148e001, 148e002)"),
        "{error}"
    );
    assert!(error.contains("roll back to v29 again"), "{error}");
    // The first failure stops the rest: nothing after 148e003 was tried.
    assert_eq!(updated_in_order(&h), ["148e001", "148e002"]);
    assert_eq!(statuses(&h), ["pending", "running", "failed"]);
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(
        env.live_label.as_deref(),
        Some("v30 on 4/6 Machines, v29 on 2")
    );
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn failing_checks_and_a_machine_that_never_starts_fail_the_release() {
    let h = standard().await;
    h.fake.with(|s| s.sick_regions.insert("ams".to_owned()));
    let op = fails_in_the_rollout(&h, "sick-1").await;
    assert!(
        op.error
            .as_deref()
            .unwrap()
            .contains("checks not passing: alive critical"),
        "{:?}",
        op.error
    );
    assert_eq!(updated_in_order(&h), ["148e001"]);
    assert_eq!(statuses(&h), ["pending", "running", "failed"]);
    assert_clean(&h);

    let clock = clock();
    let mut state = world(&clock);
    state.boot_secs = 600;
    let h = harness_with(state, clock, ORG_TOKEN).await;
    let op = fails_in_the_rollout(&h, "slow-1").await;
    assert!(
        op.error.as_deref().unwrap().contains("did not start"),
        "{:?}",
        op.error
    );
    assert_eq!(statuses(&h), ["pending", "running", "failed"]);
    assert_clean(&h);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn an_update_lost_in_transit_is_not_sent_again() {
    let h = standard().await;
    h.fake.script(Scripted::once(UPDATE, 502));
    let op = fails_in_the_rollout(&h, "lost-1").await;
    assert!(
        op.error.as_deref().unwrap().contains("may have happened"),
        "{:?}",
        op.error
    );
    assert_eq!(h.fake.calls(UPDATE), 1, "a write is sent once");
    assert_clean(&h);
}

#[tokio::test]
async fn giving_back_and_marking_are_repeated_until_they_land() {
    let h = standard().await;
    h.fake.script(Scripted::once(UNLEASE, 503));
    h.fake.script(Scripted::once(SET_STATUS, 503));
    let handle = h
        .backend
        .rollback(request(29, Some(30), "flaky-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    assert_eq!(h.fake.calls(UNLEASE), 7);
    assert_eq!(h.fake.calls(SET_STATUS), 3);
    assert_eq!(statuses(&h), ["pending", "running", "complete"]);
    assert_clean(&h);
}

#[tokio::test]
async fn a_stop_asked_in_the_middle_interrupts_the_release_and_gives_the_leases_back() {
    let clock = clock();
    let mut state = world(&clock);
    state.sick_regions.insert("ord".to_owned());
    let fake = Fake::start(state).await;
    let mut settings = settings(&fake, ORG_TOKEN, Duration::from_secs(5));
    settings.health_timeout = Duration::from_secs(30);
    let backend = adapter(&fake, &clock, settings);
    let h = Harness {
        fake,
        clock,
        backend,
    };
    let handle = h
        .backend
        .rollback(request(29, Some(30), "stop-1"))
        .await
        .unwrap();
    // 148e003 is in ord: its checks never pass, so the rollout waits there.
    for _ in 0..500 {
        if updated_in_order(&h).contains(&"148e003".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let asked = h
        .backend
        .cancel_operation(&production(), &handle.id)
        .await
        .unwrap();
    assert!(!asked.status.is_finished());
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error.as_deref().unwrap().contains("stopped on request"),
        "{:?}",
        op.error
    );
    assert_eq!(statuses(&h), ["pending", "running", "interrupted"]);
    assert_eq!(updated_in_order(&h), ["148e001", "148e002", "148e003"]);
    assert_clean(&h);
    let again = h.backend.cancel_operation(&production(), &handle.id).await;
    assert!(again.is_err(), "an ended operation cannot be stopped");
}

#[tokio::test]
async fn a_rate_limited_call_waits_as_fly_asks_and_is_carried_out_once() {
    let h = standard().await;
    h.fake.script(Scripted::rate_limited(UPDATE, 1, 1));
    let handle = h
        .backend
        .rollback(request(29, Some(30), "slowly-1"))
        .await
        .unwrap();
    let op = finished(&*h.backend, &production(), &handle.id).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.error);
    let updates = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route == UPDATE)
        .collect::<Vec<_>>();
    assert_eq!(updates.len(), 7);
    assert_eq!(updates[0].status, 429);
    assert_eq!(
        updates[0].path, updates[1].path,
        "the refused update is sent again"
    );
    assert_eq!(updated_in_order(&h).len(), 6);
    assert_clean(&h);
}

#[tokio::test]
async fn a_deleted_image_is_refused_before_anything_is_written() {
    let h = standard().await;
    let err = h
        .backend
        .rollback(request(27, Some(30), "gone-1"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no longer in the registry"),
        "{err}"
    );
    let writes: Vec<String> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.route != AUTHORIZE && !r.route.starts_with("graphql"))
        .map(|r| r.route)
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[tokio::test]
async fn quitting_in_the_middle_interrupts_the_rollout_before_the_process_ends() {
    let clock = clock();
    let mut state = world(&clock);
    state.sick_regions.insert("ord".to_owned());
    let fake = Fake::start(state).await;
    let mut settings = settings(&fake, ORG_TOKEN, Duration::from_secs(5));
    settings.health_timeout = Duration::from_secs(30);
    let backend = adapter(&fake, &clock, settings);
    let h = Harness {
        fake,
        clock,
        backend,
    };
    let handle = h
        .backend
        .rollback(request(29, Some(30), "quit-1"))
        .await
        .unwrap();
    for _ in 0..500 {
        if updated_in_order(&h).contains(&"148e003".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopped = h.backend.shutdown().await;
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].id, handle.id);
    assert_eq!(stopped[0].status, OperationStatus::Exception);
    assert_eq!(statuses(&h), ["pending", "running", "interrupted"]);
    assert_clean(&h);
    assert!(
        h.backend.shutdown().await.is_empty(),
        "nothing is left to stop"
    );
}
