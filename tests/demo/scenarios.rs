//! Scenario loading: built-ins, files, clear errors.

use crate::support::*;
use std::io::Write;
use switchback::backend::Backend;
use switchback::backend::ErrorRates as _;
use switchback::backend::demo::{Scenario, ScenarioError};
use switchback::domain::{EnvMode, RuntimeState};

#[test]
fn every_builtin_scenario_loads() {
    for name in Scenario::builtin_names() {
        let s = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.name(), *name);
    }
}

#[tokio::test]
async fn bad_deploy_starts_where_the_story_says() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    assert_eq!(demo.live_label(&env).await.as_deref(), Some("v42"));
    assert_eq!(demo.env(&env).await.mode, EnvMode::Normal);
    let v42 = demo.by_label(&env, "v42").await;
    assert_eq!(v42.created_at, t0() - chrono::Duration::minutes(6));
    assert_eq!(v42.migrations, vec!["0042_add_index".to_owned()]);
    assert_eq!(
        demo.by_label(&env, "v41").await.runtime_state,
        RuntimeState::Running
    );
    for old in ["v36", "v37", "v38", "v39", "v40"] {
        assert_eq!(
            demo.by_label(&env, old).await.runtime_state,
            RuntimeState::SpunDown,
            "{old}"
        );
    }
    assert!(demo.by_label(&env, "v37").await.artifact.pruned);
    let projects = demo
        .backend
        .list_projects(Default::default())
        .await
        .unwrap()
        .items;
    assert_eq!(projects.len(), 2);
    let envs = demo
        .backend
        .list_environments(&"acme/storefront".into())
        .await
        .unwrap();
    assert_eq!(envs.len(), 4);
    assert!(
        v42.artifact
            .digest
            .as_deref()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(v42.commit.as_ref().unwrap().sha.len() == 40);
}

#[test]
fn a_file_with_an_unknown_key_names_the_file_line_and_key() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        "[scenario]\nname = \"x\"\n\n[settings]\ncold_start = \"20s\"\ncold_stat = \"5s\"\n"
    )
    .unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let err = Scenario::load(&path).unwrap_err();
    let text = err.to_string();
    match err {
        ScenarioError::Syntax { file, line, .. } => {
            assert_eq!(file, path);
            assert_eq!(line, 6);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(text.contains("cold_stat"), "{text}");
}

#[test]
fn a_file_naming_an_unknown_commit_says_which_deployment() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        r#"
[scenario]
name = "x"
[[projects]]
id = "a/b"
image = "r/a"
[[projects.environments]]
id = "production"
kind = "production"
[[projects.environments.deployments]]
label = "v1"
commit = "abc"
age = "1h"
"#
    )
    .unwrap();
    let err = Scenario::load(file.path().to_str().unwrap()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ScenarioError::Invalid { .. }));
    assert!(
        text.contains("deployments[0] (v1).commit") && text.contains("abc"),
        "{text}"
    );
}

#[test]
fn an_unknown_name_lists_the_builtins() {
    let err = Scenario::load("no-such-scenario").unwrap_err();
    assert!(matches!(err, ScenarioError::Unknown { .. }));
    assert!(err.to_string().contains("bad-deploy"));
}

#[tokio::test]
async fn incident_race_dana_rolls_back_and_a_stale_console_gets_a_conflict() {
    let demo = Demo::new("incident-race");
    let env = prod();
    let (v40, v42) = (demo.id(&env, "v40").await, demo.id(&env, "v42").await);
    demo.advance(19);
    assert_eq!(demo.live_label(&env).await.as_deref(), Some("v42"));
    demo.advance(1);
    assert_eq!(demo.live_label(&env).await.as_deref(), Some("v41"));
    let history = demo.backend.live_history(&env).await.unwrap();
    assert_eq!(history.last().unwrap().actor.as_deref(), Some("dana"));
    let mut req = request(&env, &v40, "alice-1");
    req.expected_live = Some(v42);
    match demo.backend.rollback(req).await.unwrap_err() {
        switchback::backend::BackendError::Conflict {
            changed_by,
            live_label,
            ..
        } => {
            assert_eq!(changed_by.as_deref(), Some("dana"));
            assert_eq!(live_label.as_deref(), Some("v41"));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let ops = demo.backend.list_operations(&env).await.unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].actor, "dana");
}

#[tokio::test]
async fn steady_changes_nothing_over_time() {
    let demo = Demo::new("steady");
    let env = switchback::domain::EnvRef::new("acme/steady", "production");
    let before = (demo.env(&env).await, demo.all(&env).await);
    demo.advance(6 * 3600);
    let after = (demo.env(&env).await, demo.all(&env).await);
    assert_eq!(before, after);
    assert!(demo.backend.list_operations(&env).await.unwrap().is_empty());
    let q = switchback::domain::MetricsQuery {
        env: env.clone(),
        scope: switchback::domain::MetricsScope::Environment,
        from: t0(),
        to: t0() + chrono::Duration::hours(6),
        step_secs: 600,
    };
    let series = demo.backend.error_rate(&q).await.unwrap();
    assert_eq!(series.points.len(), 36);
}

#[tokio::test]
async fn large_has_ten_thousand_deployments_and_loads_fast_enough_to_page_through() {
    let started = std::time::Instant::now();
    let scenario = Scenario::load("large").unwrap();
    let parsed = started.elapsed();
    let clock = switchback::clock::VirtualClock::starting_at(t0());
    let backend = switchback::backend::demo::DemoBackend::new(
        scenario,
        std::sync::Arc::new(clock.clone()),
        deployer("alice"),
    );
    let load = started.elapsed();
    let demo = Demo { backend, clock };
    let env = switchback::domain::EnvRef::new("acme/monolith", "production");
    let first = demo
        .backend
        .list_deployments(&env, switchback::backend::PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 100);
    assert_eq!(first.items[0].label, "v10000");
    assert!(first.items[0].is_live);
    let all = demo.all(&env).await;
    assert_eq!(all.len(), 10_000);
    assert!(
        all.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    assert!(
        all.iter()
            .filter(|d| d.runtime_state == RuntimeState::Running)
            .count()
            <= 2
    );
    assert!(all.iter().any(|d| d.artifact.pruned));
    // Printed for the record (not asserted: machines are noisy).
    eprintln!(
        "large scenario: parsed and generated in {parsed:?}, platform built in {:?}",
        load - parsed
    );
}

#[tokio::test(start_paused = true)]
async fn flaky_fails_and_slows_some_calls_but_never_performs_an_operation_twice() {
    let demo = Demo::new("flaky");
    let env = prod();
    let v41 = loop {
        if let Ok(page) = demo
            .backend
            .list_deployments(&env, Default::default())
            .await
        {
            break page
                .items
                .into_iter()
                .find(|d| d.label == "v41")
                .unwrap()
                .id;
        }
    };
    let req = request(&env, &v41, "flaky-rollback");
    let (mut failures, mut handles) = (0, Vec::new());
    let started = tokio::time::Instant::now();
    // Twelve tries with the same key: some fail before, some after the rollback happened.
    for _ in 0..12 {
        match demo.backend.rollback(req.clone()).await {
            Ok(h) => handles.push(h.id),
            Err(e) if e.is_retryable() => failures += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(failures >= 2, "the pattern produced {failures} failures");
    assert!(!handles.is_empty());
    assert!(handles.iter().all(|h| *h == handles[0]));
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "some calls are slow"
    );
    let ops = loop {
        if let Ok(ops) = demo.backend.list_operations(&env).await {
            break ops;
        }
    };
    assert_eq!(ops.len(), 1);
    let history = loop {
        if let Ok(h) = demo.backend.live_history(&env).await {
            break h;
        }
    };
    assert_eq!(
        history
            .iter()
            .filter(|c| c.cause == switchback::domain::LiveCause::Rollback)
            .count(),
        1
    );
}
