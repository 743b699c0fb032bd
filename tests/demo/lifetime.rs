//! Rule 4: lifetime (spin-down) and cold starts, under a virtual clock.

use crate::support::*;
use switchback::backend::Backend;
use switchback::domain::{DomainKind, EnvMode, EnvRef, OperationStatus, RuntimeState, StepStatus};

#[tokio::test]
async fn a_replaced_production_deployment_runs_thirty_minutes_then_spins_down() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    demo.backend
        .rollback(request(&env, &v41, "k"))
        .await
        .unwrap();
    demo.advance(30 * 60 - 1);
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v42)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::Running
    );
    demo.advance(1);
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v42)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::SpunDown
    );
    // The live one never spins down.
    demo.advance(24 * 3600);
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v41)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::Running
    );
}

#[tokio::test]
async fn v41_was_replaced_six_minutes_before_start_so_it_spins_down_24_minutes_in() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    demo.advance(24 * 60 - 1);
    assert_eq!(
        demo.by_label(&env, "v41").await.runtime_state,
        RuntimeState::Running
    );
    demo.advance(1);
    assert_eq!(
        demo.by_label(&env, "v41").await.runtime_state,
        RuntimeState::SpunDown
    );
    let v41 = demo.id(&env, "v41").await;
    let diff = demo.backend.diff(&env, &v41).await.unwrap();
    assert!(matches!(
        diff.switch,
        switchback::domain::SwitchKind::Cold { .. }
    ));
}

#[tokio::test]
async fn a_rollback_to_a_spun_down_deployment_cold_starts_it_first_and_the_old_live_serves_meanwhile()
 {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v40, v42) = (demo.id(&env, "v40").await, demo.id(&env, "v42").await);
    let handle = demo
        .backend
        .rollback(request(&env, &v40, "k"))
        .await
        .unwrap();
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::InProgress);
    let names: Vec<_> = op.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["start all 8 machines", "health check", "switch domains"]
    );
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v40)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::Starting
    );

    // Cold start: 20 s. The old live keeps every domain meanwhile.
    demo.advance(19);
    let env_now = demo.env(&env).await;
    assert_eq!(env_now.live, Some(v42.clone()));
    assert!(
        env_now
            .domains
            .iter()
            .all(|d| d.deployment == Some(v42.clone()))
    );
    demo.advance(1);
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v40)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::Starting
    );
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.steps[0].status, StepStatus::Done);
    assert_eq!(op.steps[1].status, StepStatus::Running);
    // Health check: 5 s, then the switch.
    demo.advance(4);
    assert_eq!(demo.env(&env).await.live, Some(v42));
    demo.advance(1);
    let after = demo.env(&env).await;
    assert_eq!(after.live, Some(v40.clone()));
    assert_eq!(after.mode, EnvMode::RolledBack);
    assert!(
        after
            .domains
            .iter()
            .filter(|d| d.kind != DomainKind::Deployment)
            .all(|d| d.deployment == Some(v40.clone()))
    );
    let op = demo.backend.operation(&env, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    assert_eq!(op.finished_at, Some(t0() + chrono::Duration::seconds(25)));
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v40)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::Running
    );
}

#[tokio::test]
async fn a_cold_switch_finds_the_world_changed_and_ends_in_exception_without_losing_the_operation()
{
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v40, v41, v42) = (
        demo.id(&env, "v40").await,
        demo.id(&env, "v41").await,
        demo.id(&env, "v42").await,
    );
    let mut slow = request(&env, &v40, "slow");
    slow.expected_live = Some(v42);
    let slow = demo.backend.rollback(slow).await.unwrap();
    // Someone else rolls back to v41 while v40 is still starting.
    demo.backend
        .with_identity(deployer("dana"))
        .rollback(request(&env, &v41, "fast"))
        .await
        .unwrap();
    demo.advance(60);
    let op = demo.backend.operation(&env, &slow.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error.as_deref().unwrap().contains("v41"),
        "{:?}",
        op.error
    );
    assert_eq!(demo.env(&env).await.live, Some(v41));
    assert_eq!(demo.backend.list_operations(&env).await.unwrap().len(), 2);
    // The started target idles out like any replaced deployment.
    demo.advance(30 * 60);
    assert_eq!(
        demo.backend
            .get_deployment(&env, &v40)
            .await
            .unwrap()
            .runtime_state,
        RuntimeState::SpunDown
    );
}

#[tokio::test]
async fn a_switch_expecting_live_is_refused_while_another_is_under_way() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v40, v41, v42) = (
        demo.id(&env, "v40").await,
        demo.id(&env, "v41").await,
        demo.id(&env, "v42").await,
    );
    let mut slow = request(&env, &v40, "slow");
    slow.expected_live = Some(v42.clone());
    demo.backend.rollback(slow).await.unwrap();
    // Dana saw v42 live too, and it still is: only the switch under way refuses her.
    let mut second = request(&env, &v41, "second");
    second.expected_live = Some(v42.clone());
    second.actor = "dana".into();
    let refused = demo
        .backend
        .with_identity(deployer("dana"))
        .rollback(second)
        .await
        .unwrap_err();
    let switchback::backend::BackendError::Conflict {
        live_now, message, ..
    } = refused
    else {
        panic!("expected a conflict, got {refused:?}")
    };
    assert_eq!(live_now, Some(v42));
    assert!(
        message.contains("rollback to v40 by alice already under way"),
        "{message}"
    );
    assert_eq!(demo.backend.list_operations(&env).await.unwrap().len(), 1);
    demo.advance(60);
    assert_eq!(demo.env(&env).await.live, Some(v40));
}

#[tokio::test]
async fn a_preview_spins_down_after_an_hour_without_requests() {
    let demo = Demo::new("bad-deploy");
    let preview = EnvRef::new("acme/storefront", "preview-gift-cards");
    // pr-3 went live 20 minutes before start: 40 minutes left.
    assert_eq!(
        demo.by_label(&preview, "pr-3").await.runtime_state,
        RuntimeState::Running
    );
    demo.advance(40 * 60 - 1);
    assert_eq!(
        demo.by_label(&preview, "pr-3").await.runtime_state,
        RuntimeState::Running
    );
    demo.advance(1);
    assert_eq!(
        demo.by_label(&preview, "pr-3").await.runtime_state,
        RuntimeState::SpunDown
    );
    // The other preview has been idle for hours already.
    let tax = EnvRef::new("acme/storefront", "preview-tax-rounding");
    assert_eq!(
        demo.by_label(&tax, "pr-2").await.runtime_state,
        RuntimeState::SpunDown
    );
}

#[test]
fn the_preview_idle_time_is_a_scenario_setting() {
    let text = include_str!("../../src/backend/demo/scenarios/bad-deploy.toml")
        .replace("preview_idle = \"1h\"", "preview_idle = \"6h\"");
    let scenario = switchback::backend::demo::Scenario::parse(&text, "six-hours.toml").unwrap();
    let clock = switchback::clock::VirtualClock::starting_at(t0());
    let backend = switchback::backend::demo::DemoBackend::new(
        scenario,
        std::sync::Arc::new(clock.clone()),
        deployer("a"),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tax = EnvRef::new("acme/storefront", "preview-tax-rounding");
    rt.block_on(async {
        let page = backend
            .list_deployments(&tax, Default::default())
            .await
            .unwrap();
        let pr2 = page.items.iter().find(|d| d.label == "pr-2").unwrap();
        assert_eq!(pr2.runtime_state, RuntimeState::Running, "3 h idle < 6 h");
    });
}

#[tokio::test]
async fn a_scaled_clock_runs_the_scenario_faster() {
    // 600x: v41's remaining 24 minutes pass in about 2.4 real seconds.
    let clock: switchback::clock::SharedClock =
        std::sync::Arc::new(switchback::clock::ScaledClock::new(600.0));
    let backend: std::sync::Arc<dyn Backend> =
        std::sync::Arc::new(switchback::backend::demo::DemoBackend::new(
            switchback::backend::demo::Scenario::load("bad-deploy").unwrap(),
            clock,
            deployer("alice"),
        ));
    let env = prod();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = backend
            .list_deployments(&env, Default::default())
            .await
            .unwrap();
        let v41 = page.items.iter().find(|d| d.label == "v41").unwrap();
        if v41.runtime_state == RuntimeState::SpunDown {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "v41 never spun down at 600x"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
