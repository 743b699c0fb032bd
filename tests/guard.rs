//! `switchback guard` against the embedded demo platform on a virtual clock: tokio's paused
//! time drives both the guard's looks and the platform's clock, so a ten-minute window runs
//! in milliseconds and every number is the same on every run.

#[path = "support/demo.rs"]
#[allow(dead_code)]
mod demo;

use demo::{deployer, prod, t0};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::{Backend, Platform};
use switchback::cli::{GuardArgs, Where};
use switchback::commands::{Context, Exit, guard};
use switchback::config::Config;
use switchback::domain::{EnvRef, OperationKind};
use switchback::operation::guard::Baseline;
use switchback::poller::TokioClock;

fn platform(scenario: Scenario) -> DemoBackend {
    DemoBackend::new(
        scenario,
        Arc::new(TokioClock::starting_at(t0())),
        deployer("guard"),
    )
}

fn builtin(name: &str) -> DemoBackend {
    platform(Scenario::load(name).unwrap())
}

fn args(rollback: bool) -> GuardArgs {
    GuardArgs {
        window: Duration::from_secs(600),
        every: Duration::from_secs(30),
        threshold: None,
        baseline: Baseline::Previous,
        min_requests: 100,
        hold: Duration::from_secs(60),
        rollback,
        yes: rollback,
        at: Where::default(),
    }
}

async fn run(demo: &DemoBackend, args: &GuardArgs) -> Exit {
    let ctx = Context::new(
        Platform::from(Arc::new(demo.clone())),
        "demo",
        Config::default(),
    );
    guard::run(&ctx, args)
        .await
        .expect("the guard ends with an exit code")
}

async fn live(demo: &DemoBackend, env: &EnvRef) -> String {
    let env_now = demo.get_environment(env).await.unwrap();
    let id = env_now.live.unwrap();
    demo.get_deployment(env, &id).await.unwrap().label
}

#[tokio::test(start_paused = true)]
async fn a_bad_deploy_breaches_and_is_rolled_back_to_last_good() {
    let demo = builtin("bad-deploy");
    let exit = run(&demo, &args(true)).await;
    assert_eq!(exit, Exit::RolledBack);
    assert_eq!(live(&demo, &prod()).await, "v41");
    let ops = demo.list_operations(&prod()).await.unwrap();
    assert_eq!(ops.len(), 1, "one rollback, sent once: {ops:#?}");
    assert_eq!(ops[0].kind, OperationKind::Rollback);
    assert_eq!(ops[0].actor, "guard");
    let v42 = demo
        .get_deployment(&prod(), ops[0].expected_live.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(v42.label, "v42", "it expected the deployment it watched");
}

#[tokio::test(start_paused = true)]
async fn without_rollback_a_held_breach_is_reported_and_nothing_is_done() {
    let demo = builtin("bad-deploy");
    assert_eq!(run(&demo, &args(false)).await, Exit::Breached);
    assert_eq!(live(&demo, &prod()).await, "v42");
    assert!(demo.list_operations(&prod()).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_good_deploy_passes_the_window() {
    let demo = builtin("steady");
    let env = EnvRef::new("acme/steady", "production");
    let started = tokio::time::Instant::now();
    assert_eq!(run(&demo, &args(true)).await, Exit::Completed);
    assert!(
        started.elapsed() >= Duration::from_secs(600),
        "it watched the whole window"
    );
    assert_eq!(live(&demo, &env).await, "v2");
    assert!(demo.list_operations(&env).await.unwrap().is_empty());
}

/// Two requests a minute, a third of them failing: loud, but too little traffic to judge.
const NOISY: &str = r#"
[scenario]
name = "noisy"
seed = 3

[[projects]]
id = "acme/quiet"
image = "registry.example.com/acme/quiet"

[[projects.commits]]
sha = "3f1c0a9be2d84f6e9a7b5c3d1e0f2a4b6c8d0e1f"
subject = "Initial release"
author = "lee.w"

[[projects.commits]]
sha = "8a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b"
subject = "Rework the checkout"
author = "lee.w"

[[projects.environments]]
id = "production"
kind = "production"
rps = 0.04
domains = [{ hostname = "quiet.example.com", kind = "custom" }]

[[projects.environments.deployments]]
label = "v1"
commit = "3f1c0a9be2d84f6e9a7b5c3d1e0f2a4b6c8d0e1f"
age = "3days"

[[projects.environments.deployments]]
label = "v2"
commit = "8a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b"
age = "10m"
error_rate = 0.35
"#;

#[tokio::test(start_paused = true)]
async fn a_noisy_deploy_with_few_requests_is_never_acted_on() {
    let demo = platform(Scenario::parse(NOISY, "noisy.toml").unwrap());
    let env = EnvRef::new("acme/quiet", "production");
    let mut args = args(true);
    args.min_requests = 20;
    args.threshold = Some(0.05);
    assert_eq!(run(&demo, &args).await, Exit::TooLittleTraffic);
    assert_eq!(live(&demo, &env).await, "v2");
    assert!(demo.list_operations(&env).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn another_engineers_rollback_during_the_window_stops_the_guard() {
    // dana rolls production back to v41 twenty seconds in; the breach would hold at 60 s.
    let demo = builtin("incident-race");
    let exit = run(&demo, &args(true)).await;
    assert_eq!(exit, Exit::Conflict);
    let ops = demo.list_operations(&prod()).await.unwrap();
    assert_eq!(ops.len(), 1, "only dana's: {ops:#?}");
    assert_eq!(ops[0].actor, "dana");
    assert_eq!(live(&demo, &prod()).await, "v41");
}

#[tokio::test(start_paused = true)]
async fn rollback_without_yes_is_refused_before_anything_is_read() {
    let demo = builtin("bad-deploy");
    let ctx = Context::new(
        Platform::from(Arc::new(demo.clone())),
        "demo",
        Config::default(),
    );
    let mut args = args(true);
    args.yes = false;
    let error = guard::run(&ctx, &args).await.unwrap_err();
    assert_eq!(error.exit(), Exit::Usage);
    assert!(error.to_string().contains("--yes"), "{error}");
}
