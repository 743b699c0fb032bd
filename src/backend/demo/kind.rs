//! The `demo` kind: its checks, its clock (`speed`) and the platform it builds.

use super::{DemoBackend, DemoBackendConfig, Scenario};
use crate::backend::{BackendKind, BuildError, Identity, KeyProblem, Platform, Role};
use crate::clock::{ScaledClock, SharedClock, SystemClock};
use std::sync::Arc;

pub struct DemoKind;

impl BackendKind for DemoKind {
    const NAME: &'static str = "demo";
    type Config = DemoBackendConfig;

    fn name(config: &DemoBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &DemoBackendConfig) -> Result<(), KeyProblem> {
        if !(config.speed.is_finite() && config.speed > 0.0) {
            return Err(KeyProblem::at(
                "speed",
                format!("{} is not a positive number", config.speed),
            ));
        }
        if config.scenario.trim().is_empty() {
            return Err(KeyProblem::at(
                "scenario",
                "name a scenario (e.g. `bad-deploy`)",
            ));
        }
        Ok(())
    }

    /// Real time, or `speed` times faster.
    fn clock(config: &DemoBackendConfig) -> SharedClock {
        if config.speed == 1.0 {
            Arc::new(SystemClock)
        } else {
            Arc::new(ScaledClock::new(config.speed))
        }
    }

    fn build(config: &DemoBackendConfig, clock: SharedClock) -> Result<Platform, BuildError> {
        Ok(Platform::native(Arc::new(platform(
            config,
            clock,
            local_user(),
        )?)))
    }
}

/// A fresh demo platform, `actor` at the keyboard: every run starts from the scenario's
/// beginning.
pub fn platform(
    config: &DemoBackendConfig,
    clock: SharedClock,
    actor: String,
) -> Result<DemoBackend, BuildError> {
    let scenario = Scenario::load(&config.scenario).map_err(|problem| {
        BuildError::new(ScenarioOf {
            backend: config.name.clone(),
            problem,
        })
    })?;
    let identity = Identity {
        actor,
        role: config.role.unwrap_or(Role::Deployer),
    };
    Ok(DemoBackend::new(scenario, clock, identity))
}

/// The scenario's own message, with the entry it is for (one message, no cause chain to
/// repeat it).
#[derive(Debug, thiserror::Error)]
#[error("backend `{backend}`: scenario: {problem}")]
struct ScenarioOf {
    backend: String,
    problem: super::ScenarioError,
}

/// The person at the keyboard: `$USER` (or `$USERNAME`), else `you`.
fn local_user() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "you".to_owned())
}
