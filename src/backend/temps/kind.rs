//! The `temps` kind: its config's checks and the adapter it builds.

use super::{TempsBackend, TempsBackendConfig};
use crate::backend::{BackendKind, BuildError, KeyProblem, Platform};
use crate::clock::SharedClock;
use std::sync::Arc;

pub struct TempsKind;

impl BackendKind for TempsKind {
    const NAME: &'static str = "temps";
    type Config = TempsBackendConfig;

    fn name(config: &TempsBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &TempsBackendConfig) -> Result<(), KeyProblem> {
        match config.problem() {
            Some((key, message)) => Err(KeyProblem::at(key, message)),
            None => Ok(()),
        }
    }

    /// Reads the API key now: an unset variable is reported before the console opens.
    fn build(config: &TempsBackendConfig, clock: SharedClock) -> Result<Platform, BuildError> {
        let backend = TempsBackend::from_config(config, clock).map_err(BuildError::new)?;
        Ok(Platform::native(Arc::new(backend)))
    }
}
