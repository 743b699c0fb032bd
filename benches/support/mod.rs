//! Console state built in memory from the demo platform, for the benchmarks.
//!
//! The `large` scenario with its deployment count changed gives lists of any length; the
//! state is filled through `update`, the same way the console fills it from poll results.

#![allow(dead_code)] // each bench uses a part

use chrono::{DateTime, Utc};
use std::sync::Arc;
use switchback::app::{Msg, State, update};
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::{Backend, Identity, PageRequest, Platform, Role};
use switchback::clock::VirtualClock;
use switchback::config::Config;
use switchback::config::keys::Keymap;
use switchback::domain::{Deployment, EnvRef};
use switchback::poller::{self, Fetched, PollEvent, Resource};

const LARGE: &str = include_str!("../../src/backend/demo/scenarios/large.toml");

/// The list lengths to measure: under `cargo test` (no `--bench`), criterion runs each
/// benchmark once as a smoke test, so only the smallest is built there.
pub fn sizes(all: &[usize]) -> Vec<usize> {
    if std::env::args().any(|a| a == "--bench") {
        all.to_vec()
    } else {
        all[..1].to_vec()
    }
}

/// A fixed start, so every run sees the same platform.
pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// The `large` scenario with `count` generated deployments.
pub fn scenario(count: usize) -> Scenario {
    let text = LARGE.replace("deployments = 10000", &format!("deployments = {count}"));
    assert!(text != LARGE || count == 10_000, "large.toml changed shape");
    Scenario::parse(&text, &format!("large with {count} deployments")).expect("scenario parses")
}

pub fn backend(count: usize) -> DemoBackend {
    let identity = Identity {
        actor: "bench".to_owned(),
        role: Role::Deployer,
    };
    DemoBackend::new(
        scenario(count),
        Arc::new(VirtualClock::starting_at(start())),
        identity,
    )
}

pub fn env() -> EnvRef {
    EnvRef::new("acme/monolith", "production")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Every deployment of the environment, newest first, read page by page.
pub async fn all_deployments(backend: &dyn Backend, env: &EnvRef) -> Vec<Deployment> {
    let mut items = Vec::new();
    let mut page = PageRequest::first(200);
    loop {
        let got = backend
            .list_deployments(env, page.clone())
            .await
            .expect("list");
        items.extend(got.items);
        match got.next {
            Some(next) => page.cursor = Some(next),
            None => return items,
        }
    }
}

fn event(resource: Resource, fetched: Fetched) -> Msg {
    Msg::Poll(PollEvent {
        resource,
        at: start(),
        outcome: Ok(fetched),
        failures: 0,
        next_in: std::time::Duration::from_secs(2),
    })
}

/// The console after every resource of the main screen arrived, at `width` x `height`, with
/// all `count` deployments in the list (the poller's own cap is not applied here).
pub fn console(count: usize, width: u16, height: u16) -> State {
    let backend = backend(count);
    let platform = Platform::native(Arc::new(backend.clone()));
    let env = env();
    let config = Config::default();
    let mut state = State::new(
        "demo".to_owned(),
        backend.capabilities(),
        switchback::app::state::Settings::from_config(&config),
        Keymap::default(),
        start(),
    );
    update(&mut state, switchback::console::resized(width, height));
    let rt = runtime();
    rt.block_on(async {
        let project = Resource::Environments(env.project.clone());
        for resource in [
            Resource::Identity,
            Resource::Projects,
            project,
            Resource::Environment(env.clone()),
            Resource::Metrics(env.clone()),
            Resource::LiveHistory(env.clone()),
            Resource::Operations(env.clone()),
        ] {
            let fetched = poller::fetch(&platform, &resource, true)
                .await
                .expect("fetch");
            update(&mut state, event(resource, fetched));
        }
        let items = all_deployments(&backend, &env).await;
        assert_eq!(items.len(), count);
        update(
            &mut state,
            event(
                Resource::Deployments(env.clone()),
                Fetched::Deployments {
                    env: env.clone(),
                    items,
                    complete: true,
                },
            ),
        );
    });
    assert_eq!(
        state.view.list.total(),
        count,
        "the list holds every deployment"
    );
    state
}
