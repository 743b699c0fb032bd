//! The starting world: app `shop-web` (production) and `shop-web-staging`, releases v25 to
//! v30 (v30 live on six Machines: four `app` in ams and ord, two `worker`), the image of
//! v27 deleted from the registry; and the adapter wired to the fake.

use super::fake::Fake;
use super::model::{FakeState, Token, TokenKind};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::fly::{FlyBackend, FlySettings};
use switchback::clock::VirtualClock;
use switchback::domain::{DeploymentId, EnvRef};
use switchback::net::RetryPolicy;

pub const ORG: &str = "acme";
pub const PROJECT: &str = "shop";
pub const APP: &str = "shop-web";
pub const STAGING_APP: &str = "shop-web-staging";
pub const ORG_TOKEN: &str = "fm2_orgtokensecret";
pub const DEPLOY_TOKEN: &str = "fm2_deploytokensecret";
pub const STAGING_TOKEN: &str = "fm2_stagingonlysecret";
pub const READ_TOKEN: &str = "fm1r_readonlysecret";
pub const PERSONAL_TOKEN: &str = "personal-access-secret";
pub const OWNER: &str = "oncall@acme.dev";
pub const COLLEAGUE: &str = "ana@acme.dev";

pub fn image(version: i64) -> String {
    format!("registry.fly.io/{APP}:deployment-{version:04}")
}

pub fn id(version: i64) -> DeploymentId {
    DeploymentId::new(version.to_string())
}

pub fn production() -> EnvRef {
    EnvRef::new(PROJECT, "production")
}

pub fn definition(version: i64) -> serde_json::Value {
    json!({
        "app": APP,
        "primary_region": "ams",
        "env": { "LOG_LEVEL": if version >= 29 { "info" } else { "debug" }, "FEATURE_X": version.to_string() },
        "vm": { "size": if version >= 30 { "shared-cpu-2x" } else { "shared-cpu-1x" } },
        "processes": { "app": "bin/web", "worker": "bin/worker" }
    })
}

pub fn world(clock: &VirtualClock) -> FakeState {
    let mut s = FakeState::new(clock.clone(), ORG);
    s.apps = vec![APP.to_owned(), STAGING_APP.to_owned()];
    for version in 25..=30 {
        s.add_release(
            APP,
            version,
            &image(version),
            OWNER,
            "complete",
            definition(version),
        );
    }
    s.add_release(
        STAGING_APP,
        1,
        "registry.fly.io/shop-web-staging:deployment-0001",
        OWNER,
        "complete",
        json!({}),
    );
    s.deleted_images.insert(image(27));
    for (id, region, group) in [
        ("148e001", "ams", "app"),
        ("148e002", "ams", "app"),
        ("148e003", "ord", "app"),
        ("148e004", "ord", "app"),
        ("148e005", "ams", "worker"),
        ("148e006", "ord", "worker"),
    ] {
        s.add_machine(APP, id, region, group, "started", 30);
    }
    s.add_machine(STAGING_APP, "5a01", "ams", "app", "stopped", 1);
    s.certificates
        .insert(APP.to_owned(), vec!["shop.example.com".to_owned()]);
    for (secret, kind, owner, metrics) in [
        (ORG_TOKEN, TokenKind::Org, OWNER, true),
        (
            DEPLOY_TOKEN,
            TokenKind::Deploy(APP.to_owned()),
            OWNER,
            false,
        ),
        (
            STAGING_TOKEN,
            TokenKind::Deploy(STAGING_APP.to_owned()),
            OWNER,
            false,
        ),
        (READ_TOKEN, TokenKind::ReadOnly, "viewer@acme.dev", true),
        (PERSONAL_TOKEN, TokenKind::Org, COLLEAGUE, true),
    ] {
        s.tokens.push(Token {
            secret: secret.to_owned(),
            kind,
            owner: owner.to_owned(),
            metrics,
        });
    }
    s
}

pub fn clock() -> VirtualClock {
    VirtualClock::starting_at(
        chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    )
}

/// The adapter's settings against `fake`, with `token`: no shared reads, short health
/// waits, a request timeout of `patience`.
pub fn settings(fake: &Fake, token: &str, patience: Duration) -> FlySettings {
    let mut settings = FlySettings::new(
        fake.url.clone(),
        fake.url.clone(),
        switchback::backend::fly::Token::new(token),
    );
    settings.org = ORG.to_owned();
    settings.project = PROJECT.to_owned();
    settings.apps = BTreeMap::from([
        ("production".to_owned(), APP.to_owned()),
        ("staging".to_owned(), STAGING_APP.to_owned()),
    ]);
    settings.http.request_timeout = patience;
    settings.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        retry_after_cap: Duration::from_secs(2),
    };
    settings.reads_shared_for = Duration::ZERO;
    settings.health_timeout = Duration::from_millis(300);
    settings.health_poll = Duration::from_millis(50);
    settings
}

pub fn adapter(_fake: &Fake, clock: &VirtualClock, settings: FlySettings) -> Arc<FlyBackend> {
    Arc::new(FlyBackend::new(settings, Arc::new(clock.clone())).expect("the adapter builds"))
}

pub struct Harness {
    pub fake: Fake,
    pub clock: VirtualClock,
    pub backend: Arc<FlyBackend>,
}

pub async fn harness_with(state: FakeState, clock: VirtualClock, token: &str) -> Harness {
    let fake = Fake::start(state).await;
    let backend = adapter(
        &fake,
        &clock,
        settings(&fake, token, Duration::from_secs(5)),
    );
    Harness {
        fake,
        clock,
        backend,
    }
}

pub async fn standard() -> Harness {
    let clock = clock();
    harness_with(world(&clock), clock, ORG_TOKEN).await
}
