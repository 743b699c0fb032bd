//! The `fly` kind: its config's checks and the adapter it builds.

use super::{FlyBackend, FlyBackendConfig};
use crate::backend::{BackendKind, BuildError, KeyProblem, Platform};
use crate::clock::SharedClock;
use std::sync::Arc;

pub struct FlyKind;

impl BackendKind for FlyKind {
    const NAME: &'static str = "fly";
    type Config = FlyBackendConfig;

    fn name(config: &FlyBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &FlyBackendConfig) -> Result<(), KeyProblem> {
        match config.problem() {
            Some((key, message)) => Err(KeyProblem::at(key, message)),
            None => Ok(()),
        }
    }

    /// Reads the token now: an unset variable is reported before the console opens.
    fn build(config: &FlyBackendConfig, clock: SharedClock) -> Result<Platform, BuildError> {
        let backend = FlyBackend::from_config(config, clock).map_err(BuildError::new)?;
        Ok(Platform::native(Arc::new(backend)))
    }
}
