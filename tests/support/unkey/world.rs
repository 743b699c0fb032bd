//! The Unkey world most tests start from, and an adapter wired to a fake on a real socket
//! with a virtual clock.

use super::fake::{self, Access, Fake, FakeApp, FakeDeployment, FakeEnv, FakeProject, FakeState};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::unkey::{RootKey, UnkeyBackend, UnkeySettings};
use switchback::clock::VirtualClock;
use switchback::domain::{DeploymentId, EnvRef};
use switchback::net::RetryPolicy;

pub const PROJECT: &str = "proj_shop0001";
pub const LIVE: &str = "d_bad00001";
pub const GOOD: &str = "d_good0001";
pub const STOPPED: &str = "d_old00001";
pub const PREVIEW_DEPLOYMENT: &str = "d_prev0001";

pub fn production() -> EnvRef {
    EnvRef::new(PROJECT, "web/production")
}

pub fn preview() -> EnvRef {
    EnvRef::new(PROJECT, "web/preview")
}

pub fn id(value: &str) -> DeploymentId {
    DeploymentId::new(value)
}

pub fn deployment(id: &str, env: &str, status: &'static str, sha: &str, at: i64) -> FakeDeployment {
    FakeDeployment {
        id: id.to_owned(),
        app_id: "app_web00001".to_owned(),
        env_slug: env.to_owned(),
        status,
        sha: Some(sha.to_owned()),
        image: None,
        created_at: at,
        domains: Vec::new(),
        memory_mib: 256,
        builds_for: 0,
    }
}

/// One project, one app `web`, production with a bad live deployment, a good one before it
/// and a spun-down one before that; a preview; one verified and one pending custom domain.
pub fn world() -> FakeState {
    let mut state = FakeState::default();
    state.keys.insert(fake::FULL_KEY.to_owned(), Access::Full);
    state
        .keys
        .insert(fake::READ_ONLY_KEY.to_owned(), Access::ReadOnly);
    state.projects.push(FakeProject {
        id: PROJECT.to_owned(),
        slug: "shop".to_owned(),
        name: "Shop".to_owned(),
    });
    state.apps.push(FakeApp {
        project_id: PROJECT.to_owned(),
        id: "app_web00001".to_owned(),
        slug: "web".to_owned(),
        current: Some(LIVE.to_owned()),
        rolled_back: false,
    });
    for (id, slug, kind) in [
        ("env_prod0001", "production", "production"),
        ("env_prev0001", "preview", "preview"),
    ] {
        state.envs.push(FakeEnv {
            app_id: "app_web00001".to_owned(),
            id: id.to_owned(),
            slug: slug.to_owned(),
            kind,
        });
    }
    let base = 1_763_000_000_000;
    state.deployments.push(deployment(
        STOPPED,
        "production",
        "stopped",
        "1111111aaaa",
        base,
    ));
    state.deployments.push(deployment(
        GOOD,
        "production",
        "ready",
        "2222222bbbb",
        base + 60_000,
    ));
    let mut live = deployment(LIVE, "production", "ready", "3333333cccc", base + 120_000);
    live.memory_mib = 512;
    live.domains = vec![
        "shop-git-3333333-acme.unkey.app".to_owned(),
        "shop-git-main-acme.unkey.app".to_owned(),
        "shop-d-bad00001-acme.unkey.app".to_owned(),
        "shop-production-acme.unkey.app".to_owned(),
        "shop-acme.unkey.app".to_owned(),
        "shop.example.com".to_owned(),
    ];
    state.deployments.push(live);
    state.deployments.push(deployment(
        PREVIEW_DEPLOYMENT,
        "preview",
        "ready",
        "4444444dddd",
        base + 30_000,
    ));
    state.custom_domains.push((
        "env_prod0001".to_owned(),
        "shop.example.com".to_owned(),
        "verified",
    ));
    state.custom_domains.push((
        "env_prod0001".to_owned(),
        "pending.example.com".to_owned(),
        "pending",
    ));
    state.switch_after_polls = 2;
    state
}

pub struct Harness {
    pub fake: Fake,
    pub backend: UnkeyBackend,
    pub clock: VirtualClock,
}

/// The adapter's settings for `fake` with `key`: quick retries, a look at most once a
/// (virtual) second, and a minute for a switch.
pub fn settings(fake: &Fake, key: &str) -> UnkeySettings {
    let mut settings = UnkeySettings::new(fake.base_url.clone(), RootKey::new(key));
    settings.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        // Longer waits end a call at once, as those above a minute do in use.
        retry_after_cap: Duration::from_secs(2),
    };
    settings.min_poll = Duration::from_secs(1);
    settings.switch_timeout = Duration::from_secs(60);
    settings
}

pub async fn harness(state: FakeState) -> Harness {
    harness_with_key(state, fake::FULL_KEY).await
}

pub async fn harness_with_key(state: FakeState, key: &str) -> Harness {
    harness_with(state, key, |_| {}).await
}

/// A harness whose settings `adjust` changes after the test defaults.
pub async fn harness_with(
    state: FakeState,
    key: &str,
    adjust: impl FnOnce(&mut UnkeySettings),
) -> Harness {
    let fake = Fake::start(state).await;
    let clock = VirtualClock::starting_at(chrono::Utc::now());
    let mut settings = settings(&fake, key);
    adjust(&mut settings);
    let backend = UnkeyBackend::new(settings, Arc::new(clock.clone())).expect("client builds");
    Harness {
        fake,
        backend,
        clock,
    }
}
