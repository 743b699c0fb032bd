//! Rollback, promote, redeploy and cancel: what is sent, the client-side guard, and the
//! adapter's records followed to the end alias by alias.

use super::*;
use std::time::Duration;
use switchback::backend::{Backend, BackendError, PreconditionCode, RedeployRequest, Role};
use switchback::clock::Clock;
use switchback::domain::{Action, EnvMode, LiveCause, OperationKind, OperationStatus, StepStatus};

const SECOND: Duration = Duration::from_secs(1);

fn live_at_fake(h: &Harness) -> Option<String> {
    h.fake.with(|s| s.projects[0].production.clone())
}

fn redeploy(source: &str, key: &str) -> RedeployRequest {
    RedeployRequest {
        env: production(),
        source: id(source),
        rebuild: true,
        expected_live: Some(id(LIVE)),
        idempotency_key: key.to_owned(),
        actor: "alice".to_owned(),
    }
}

#[tokio::test]
async fn a_rollback_is_sent_as_the_cli_sends_it_and_followed_alias_by_alias() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "k1"))
        .await
        .unwrap();
    assert_eq!(handle.kind, OperationKind::Rollback);
    let sent: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some(ROLLBACK))
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path,
        format!("/v9/projects/{PROJECT}/rollback/{GOOD}")
    );
    assert_eq!(sent[0].body, Some(serde_json::json!({})));
    assert_eq!(sent[0].param("teamId"), Some(TEAM_ID));

    let (op, seen) = follow(&h, &production(), &handle.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    // The aliases moved one a second, and the steps showed it.
    let done_counts: Vec<usize> = seen
        .iter()
        .map(|o| {
            o.steps
                .iter()
                .filter(|s| s.name.contains(" → ") && s.status == StepStatus::Done)
                .count()
        })
        .collect();
    assert!(
        done_counts.windows(2).all(|w| w[0] <= w[1]) && done_counts.contains(&1),
        "{done_counts:?}"
    );
    let hosts: Vec<&str> = op
        .steps
        .iter()
        .filter(|s| s.name.contains(" → "))
        .map(|s| s.name.split(" → ").next().unwrap())
        .collect();
    assert_eq!(hosts, MOVING);
    assert!(
        op.steps.iter().all(|s| s.status == StepStatus::Done),
        "{:?}",
        op.steps
    );
    assert!(
        op.log.iter().any(|l| l
            .message
            .contains("www.shop.example.com now points at good0001 (2 of 3)")),
        "{:?}",
        op.log
    );
    assert_eq!(live_at_fake(&h).as_deref(), Some(GOOD));
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.live.as_ref().unwrap().as_str(), GOOD);
    assert_eq!(env.mode, EnvMode::RolledBack);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_failing_alias_leaves_production_split_and_rolling_back_again_finishes() {
    let h = standard().await;
    h.fake
        .with(|s| s.failing_aliases = vec!["www.shop.example.com".to_owned()]);
    let handle = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "split-1"))
        .await
        .unwrap();
    let (op, _) = follow(&h, &production(), &handle.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Exception);
    let error = op.error.as_deref().unwrap();
    assert!(
        error.contains("production is split")
            && error.contains("www.shop.example.com")
            && error.contains("live0001")
            && error.contains("Roll back again"),
        "{error}"
    );
    let failed: Vec<&str> = op
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Failed)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(failed, ["www.shop.example.com → good0001"]);
    // The failed ones were read as Vercel's CLI reads them.
    let failed_reads: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| {
            r.route.as_deref() == Some(ROLLBACK_ALIASES) && r.param("failedOnly") == Some("true")
        })
        .collect();
    assert_eq!(failed_reads.len(), 1);
    assert_eq!(failed_reads[0].param("limit"), Some("20"));
    assert_eq!(live_at_fake(&h).as_deref(), Some(LIVE), "production stayed");

    // One more rollback to the same target moves what is left.
    let again = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "split-2"))
        .await
        .unwrap();
    let (op, _) = follow(&h, &production(), &again.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    assert_eq!(live_at_fake(&h).as_deref(), Some(GOOD));
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_rolled_back_state_holds_back_a_push_until_a_promote() {
    let h = standard().await;
    let handle = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "hold-1"))
        .await
        .unwrap();
    follow(&h, &production(), &handle.id, SECOND, 20).await;
    let rolled_back_at = h.clock.now();

    // A push to main builds, becomes ready, and gets no production domains.
    h.clock.advance(Duration::from_secs(30));
    h.fake.with(|s| push(s, "dpl_push0001"));
    h.clock.advance(Duration::from_secs(10));
    let listed = h
        .backend
        .list_deployments(&production(), switchback::backend::PageRequest::first(100))
        .await
        .unwrap();
    let pushed = listed
        .items
        .iter()
        .find(|d| d.id.as_str() == "dpl_push0001")
        .unwrap();
    assert_eq!(pushed.build_status, switchback::domain::BuildStatus::Ready);
    assert!(!pushed.is_live);
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.mode, EnvMode::RolledBack);
    assert_eq!(env.live.as_ref().unwrap().as_str(), GOOD);
    // The console marks it held: made after the rollback the history records.
    let history = h.backend.live_history(&production()).await.unwrap();
    let rollback = history
        .iter()
        .rev()
        .find(|c| c.cause == LiveCause::Rollback)
        .unwrap();
    assert!(rollback.at < rolled_back_at && pushed.created_at > rollback.at);
    assert_eq!(rollback.actor.as_deref(), Some("alice"));
    let actions = h
        .backend
        .actions(&production(), &id("dpl_push0001"))
        .await
        .unwrap();
    let rollback_action = actions
        .iter()
        .find(|a| a.action == Action::Rollback)
        .unwrap();
    assert_eq!(rollback_action.suggestion, Some(Action::Promote));
    assert!(
        actions
            .iter()
            .find(|a| a.action == Action::Promote)
            .unwrap()
            .allowed
    );

    // Promoting it ends the rolled-back state.
    let promote = h
        .backend
        .promote(request("dpl_push0001", Some(GOOD), "hold-2"))
        .await
        .unwrap();
    let (op, _) = follow(&h, &production(), &promote.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    assert_eq!(
        op.steps.last().unwrap().name,
        "production returns to normal mode"
    );
    let env = h.backend.get_environment(&production()).await.unwrap();
    assert_eq!(env.mode, EnvMode::Normal);
    assert_eq!(env.live.as_ref().unwrap().as_str(), "dpl_push0001");
    assert_eq!(h.fake.calls(PROMOTE), 1);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_promote_behind_a_rolling_release_is_queued_then_runs() {
    let h = standard().await;
    h.fake.with(|s| {
        let now = s.now_ms();
        s.projects[0].rolling_configured = true;
        s.projects[0].rolling = Some(vercel::fake::FakeRolling {
            canary: STAGED.to_owned(),
            base: LIVE.to_owned(),
            started: now - 60_000,
            completes: now + 5_000,
            percentage: 25.0,
            queued: None,
            done: false,
        });
        s.deployment_mut(STAGED).unwrap().substate = Some("ROLLING");
    });
    let handle = h
        .backend
        .promote(request(OLDER, Some(LIVE), "queued-1"))
        .await
        .unwrap();
    let first = h
        .backend
        .operation(&production(), &handle.id)
        .await
        .unwrap();
    assert_eq!(first.status, OperationStatus::Queued);
    assert!(first.log.iter().any(|l| l.message.contains("queued")));
    let (op, seen) = follow(&h, &production(), &handle.id, SECOND, 30).await;
    assert!(
        seen.iter().any(|o| o.status == OperationStatus::Queued
            && o.log
                .iter()
                .any(|l| l.message.contains("at 25% of traffic"))),
        "{:?}",
        seen.iter().map(|o| &o.log).collect::<Vec<_>>()
    );
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    assert!(
        op.log
            .iter()
            .any(|l| l.message.contains("the rolling release completed"))
    );
    assert_eq!(live_at_fake(&h).as_deref(), Some(OLDER));
    assert_eq!(h.fake.calls(PROMOTE), 1);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_preview_is_promoted_by_building_it_for_production() {
    let h = standard().await;
    let mut req = request(PREVIEW_DEPLOYMENT, None, "preview-1");
    req.env = preview();
    let handle = h.backend.promote(req).await.unwrap();
    let new = handle
        .new_deployment
        .clone()
        .expect("a new production build");
    let sent: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some(CREATE))
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body,
        Some(serde_json::json!({
            "deploymentId": PREVIEW_DEPLOYMENT, "name": "shop", "target": "production",
            "meta": {"action": "promote"},
        }))
    );
    assert_eq!(sent[0].param("forceNew"), None, "as Vercel's CLI promotes");
    assert_eq!(h.fake.calls(PROMOTE), 0);
    let (op, _) = follow(&h, &preview(), &handle.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    assert_eq!(live_at_fake(&h).as_deref(), Some(new.as_str()));
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_redeploy_is_followed_through_its_build_events_to_live() {
    let h = standard().await;
    let handle = h.backend.redeploy(redeploy(LIVE, "rd-1")).await.unwrap();
    let new = handle.new_deployment.clone().unwrap();
    let sent = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route.as_deref() == Some(CREATE))
        .unwrap();
    assert_eq!(sent.param("forceNew"), Some("1"));
    assert_eq!(
        sent.body,
        Some(serde_json::json!({
            "deploymentId": LIVE, "name": "shop", "target": "production",
            "meta": {"action": "redeploy"},
        }))
    );
    let (op, _) = follow(&h, &production(), &handle.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Completed, "{:?}", op.log);
    let lines: Vec<&str> = op.log.iter().map(|l| l.message.as_str()).collect();
    for expected in [
        "Cloning shop",
        "Running \"vercel build\"",
        "Build Completed",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "{expected}: {lines:?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("ready and live in production"))
    );
    assert_eq!(live_at_fake(&h).as_deref(), Some(new.as_str()));
    // Events are asked from where the last look stopped.
    let event_reads: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route.as_deref() == Some("GET /v3/deployments/{idOrUrl}/events"))
        .collect();
    assert!(
        event_reads
            .iter()
            .skip(1)
            .any(|r| r.param("since").is_some())
    );
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_failed_build_ends_in_an_exception_with_vercels_message() {
    let h = standard().await;
    h.fake.with(|s| s.builds_fail = true);
    let handle = h.backend.redeploy(redeploy(LIVE, "rd-fail")).await.unwrap();
    let (op, _) = follow(&h, &production(), &handle.id, SECOND, 20).await;
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error.as_deref().unwrap().contains("exited with 1"),
        "{:?}",
        op.error
    );
    assert_eq!(live_at_fake(&h).as_deref(), Some(LIVE));
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_build_can_be_canceled_while_it_builds() {
    let h = standard().await;
    let handle = h
        .backend
        .redeploy(redeploy(LIVE, "rd-cancel"))
        .await
        .unwrap();
    h.clock.advance(Duration::from_secs(2));
    let op = h
        .backend
        .cancel_operation(&production(), &handle.id)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error.as_deref().unwrap().contains("canceled"),
        "{:?}",
        op.error
    );
    let new = handle.new_deployment.unwrap();
    assert_eq!(
        h.fake.with(|s| s.deployment(new.as_str()).unwrap().state),
        "CANCELED"
    );
    assert_eq!(h.fake.calls(CANCEL), 1);
    // Nothing left to cancel; and a switch is not a build.
    let err = h
        .backend
        .cancel_operation(&production(), &handle.id)
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Precondition { .. }), "{err:?}");
    let switch = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "not-a-build"))
        .await
        .unwrap();
    let err = h
        .backend
        .cancel_operation(&production(), &switch.id)
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Invalid { .. }), "{err:?}");
    assert_eq!(h.fake.calls(CANCEL), 1);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn the_expected_live_guard_refuses_before_sending() {
    let h = standard().await;
    // Someone rolls back in Vercel's dashboard.
    h.fake.with(|s| {
        let now = s.now_ms();
        vercel::model::start_job(s, 0, true, OLDER, now - 60_000);
    });
    let err = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "guard-1"))
        .await
        .unwrap_err();
    let BackendError::Conflict {
        live_now,
        live_label,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(live_now.as_ref().unwrap().as_str(), OLDER);
    assert_eq!(live_label.as_deref(), Some("oldr0001"));
    assert!(
        message.contains("oldr0001") && message.contains(LIVE),
        "{message}"
    );
    assert_eq!(h.fake.calls(ROLLBACK), 0);
    h.fake.assert_conforms();
}

#[tokio::test]
async fn a_409_from_vercel_is_a_conflict_with_what_is_live_now() {
    let h = standard().await;
    h.fake
        .with(|s| s.scripted.push(Scripted::once(ROLLBACK, 409)));
    let err = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "c409"))
        .await
        .unwrap_err();
    let BackendError::Conflict {
        live_now, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(live_now.as_ref().unwrap().as_str(), LIVE);
    assert!(
        message.contains("409") && message.contains("live0001 is live now"),
        "{message}"
    );
    assert_eq!(h.fake.calls(ROLLBACK), 1);
}

#[tokio::test]
async fn the_same_key_is_one_rollback_and_nothing_is_sent_twice() {
    let h = standard().await;
    let first = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "same"))
        .await
        .unwrap();
    let again = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "same"))
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(h.fake.calls(ROLLBACK), 1);
    let listed = h.backend.list_operations(&production()).await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn a_lost_answer_to_a_rollback_may_have_happened_and_is_not_sent_again() {
    let h = standard().await;
    h.fake.with(|s| {
        s.scripted.push(Scripted {
            after_applying: true,
            ..Scripted::once(ROLLBACK, 502)
        })
    });
    let err = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "lost"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, BackendError::MayHaveHappened { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("look before trying again"),
        "{err}"
    );
    assert_eq!(h.fake.calls(ROLLBACK), 1);
    assert_eq!(h.fake.with(|s| s.performed), 1);
}

#[tokio::test]
async fn a_rate_limited_rollback_is_sent_again_after_retry_after() {
    let h = standard().await;
    h.fake
        .with(|s| s.scripted.push(Scripted::rate_limited(ROLLBACK, 1, 1)));
    h.backend
        .rollback(request(GOOD, Some(LIVE), "limited"))
        .await
        .unwrap();
    assert_eq!(h.fake.calls(ROLLBACK), 2);
    assert_eq!(h.fake.with(|s| s.performed), 1);
    // A wait longer than the adapter takes on its own ends the call, naming it.
    h.fake
        .with(|s| s.scripted.push(Scripted::rate_limited(GET_PROJECT, 600, 1)));
    let err = h.backend.get_environment(&production()).await.unwrap_err();
    assert!(
        matches!(err, BackendError::RateLimited { retry_after: Some(wait) } if wait.as_secs() == 600),
        "{err:?}"
    );
    assert!(err.to_string().contains("10 minutes"), "{err}");
}

#[tokio::test]
async fn a_viewer_is_refused_by_vercel_and_the_refusal_names_the_role() {
    let clock = clock();
    let h = harness_with(world(&clock), clock, fake::VIEWER_TOKEN, |_| {}).await;
    let err = h
        .backend
        .rollback(request(GOOD, Some(LIVE), "viewer"))
        .await
        .unwrap_err();
    let BackendError::Forbidden { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        reason.contains("VIEWER") && reason.contains("403"),
        "{reason}"
    );
    assert_eq!(h.fake.with(|s| s.performed), 0);
    assert_eq!(h.backend.identity().await.unwrap().role, Role::ReadOnly);
}

#[tokio::test]
async fn a_bad_token_is_unauthorized_naming_its_variable_never_its_value() {
    let clock = clock();
    let h = harness_with(world(&clock), clock, "not_a_real_token", |s| {
        s.token_env = "VERCEL_TOKEN".to_owned();
    })
    .await;
    let err = h.backend.get_environment(&production()).await.unwrap_err();
    let BackendError::Unauthorized { message } = &err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("VERCEL_TOKEN") && message.contains("403"),
        "{message}"
    );
    assert!(!message.contains("not_a_real_token"));
    // Vercel's CLI rule: a 403 from /v2/user means the token itself is bad.
    assert_eq!(h.fake.calls("GET /v2/user"), 1);
}

#[tokio::test]
async fn a_rollback_to_what_vercel_refuses_is_refused_before_sending() {
    let h = standard().await;
    for (target, code, suggestion) in [
        (LIVE, PreconditionCode::AlreadyLive, None),
        (
            STAGED,
            PreconditionCode::NotApplicable,
            Some(Action::Promote),
        ),
        (
            REMOVED,
            PreconditionCode::ArtifactPruned,
            Some(Action::Redeploy),
        ),
        (FAILED, PreconditionCode::NotReady, None),
    ] {
        let err = h
            .backend
            .rollback(request(target, Some(LIVE), target))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, BackendError::Precondition { code: c, suggestion: s, .. } if *c == code && *s == suggestion),
            "{target}: {err:?}"
        );
    }
    assert_eq!(h.fake.calls(ROLLBACK), 0);
    assert!(
        h.backend
            .list_operations(&production())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_plan_says_the_guard_is_client_side_and_what_the_rollback_does() {
    use switchback::operation::{Context, Fact, Intent, facts::guard_text, plan};
    let h = standard().await;
    let planned = plan(
        &h.backend,
        Intent::new(Action::Rollback, production(), id(GOOD)),
        &Context::default(),
    )
    .await
    .unwrap();
    let guard = planned
        .facts
        .iter()
        .find_map(|f| match f {
            Fact::Guard { live, atomic } => Some((live.clone(), *atomic)),
            _ => None,
        })
        .unwrap();
    assert_eq!(guard, ("live0001".to_owned(), false));
    assert!(guard_text(&guard.0, guard.1).contains("checked just before sending"));
    assert!(
        planned
            .facts
            .iter()
            .any(|f| matches!(f, Fact::EntersRolledBack { .. }))
    );
    let moving = planned
        .facts
        .iter()
        .find_map(|f| match f {
            Fact::Domains(switchback::operation::DomainFacts::Move(hosts)) => Some(hosts.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(moving, MOVING.len());
    // Refused in advance with Vercel's rule, before any confirmation.
    let refused = plan(
        &h.backend,
        Intent::new(Action::Rollback, production(), id(STAGED)),
        &Context::default(),
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("promote it instead"),
        "{refused}"
    );
    assert_eq!(h.fake.calls(ROLLBACK), 0);
}
