//! From a `[[backends]]` entry to a running adapter. Adding a kind is one arm here.

use super::demo::{DemoBackend, Scenario, ScenarioError};
use super::http::{HttpBackend, HttpSetupError};
use super::kubernetes::LazyKubernetes;
use super::{Backend, Identity, Role};
use crate::clock::{ScaledClock, SharedClock, SystemClock};
use crate::config::{BackendConfig, DemoBackendConfig};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Unkey(#[from] super::unkey::UnkeyConfigError),
    #[error("backend `{backend}`: scenario: {source}")]
    Scenario {
        backend: String,
        #[source]
        source: ScenarioError,
    },
    #[error(transparent)]
    Http(#[from] HttpSetupError),
}

/// The clock a backend entry runs on: real time, or faster for a demo with `speed`.
pub fn clock_for(config: &BackendConfig) -> SharedClock {
    match config {
        BackendConfig::Demo(demo) if demo.speed != 1.0 => Arc::new(ScaledClock::new(demo.speed)),
        BackendConfig::Demo(_)
        | BackendConfig::Http(_)
        | BackendConfig::Unkey(_)
        | BackendConfig::Kubernetes(_) => Arc::new(SystemClock),
    }
}

/// Builds the adapter for `config`, running on `clock`.
pub fn build_backend(
    config: &BackendConfig,
    clock: SharedClock,
) -> Result<Arc<dyn Backend>, BuildError> {
    match config {
        BackendConfig::Demo(demo) => Ok(Arc::new(build_demo(demo, clock)?)),
        // The platform keeps its own clock and sends it with every answer.
        BackendConfig::Http(http) => Ok(Arc::new(HttpBackend::new(http)?)),
        BackendConfig::Unkey(unkey) => Ok(Arc::new(super::unkey::UnkeyBackend::from_config(
            unkey, clock,
        )?)),
        // Connects on first use: the kubeconfig is read and the cluster asked then.
        BackendConfig::Kubernetes(k8s) => Ok(Arc::new(LazyKubernetes::new(k8s.clone(), clock))),
    }
}

/// A fresh demo platform: every run starts from the scenario's beginning.
pub fn build_demo(
    config: &DemoBackendConfig,
    clock: SharedClock,
) -> Result<DemoBackend, BuildError> {
    let scenario = Scenario::load(&config.scenario).map_err(|source| BuildError::Scenario {
        backend: config.name.clone(),
        source,
    })?;
    let identity = Identity {
        actor: local_user(),
        role: config.role.unwrap_or(Role::Deployer),
    };
    Ok(DemoBackend::new(scenario, clock, identity))
}

/// The person at the keyboard: `$USER` (or `$USERNAME`), else `you`.
fn local_user() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "you".to_owned())
}
