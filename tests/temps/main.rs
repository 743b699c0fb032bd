//! Tests of the Temps adapter against a local fake of the Temps v0.0.1 server, built from
//! the answers a real server gave (`../shared/observed`) and checked against Temps' OpenAPI
//! document (`../shared/specs`), both read at run time.

#[path = "../support/home.rs"]
mod home;
#[path = "../support/temps/mod.rs"]
mod temps;

mod binary;
mod example;
mod fidelity;
mod rates;
mod reads;
mod redeploy;
mod rollback;
mod secrets;

pub use temps::fake::FakeTemps;
pub use temps::world::*;

use std::sync::Arc;
use std::time::Duration;
use switchback::backend::temps::TempsBackend;
use switchback::clock::VirtualClock;
use switchback::domain::{DeploymentId, EnvRef};

pub fn demo() -> EnvRef {
    EnvRef::new("switchback-demo", "production")
}

pub fn statics() -> EnvRef {
    EnvRef::new("switchback-static", "production")
}

pub fn id(n: i32) -> DeploymentId {
    DeploymentId::new(n.to_string())
}

/// An adapter with `key` on a virtual clock; answers waited for `patience`.
pub fn adapter_with(
    fake: &FakeTemps,
    key: &str,
    patience: Duration,
) -> (TempsBackend, VirtualClock) {
    let clock = VirtualClock::starting_at(chrono::Utc::now());
    let backend = fake.adapter(fake.settings(key, patience), Arc::new(clock.clone()));
    (backend, clock)
}

pub fn admin(fake: &FakeTemps) -> TempsBackend {
    adapter_with(fake, ADMIN_KEY, Duration::from_secs(5)).0
}
