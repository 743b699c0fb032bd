//! The `unkey` kind: its config's checks and the adapter it builds.

use super::{UnkeyBackend, UnkeyBackendConfig};
use crate::backend::{BackendKind, BuildError, KeyProblem, Platform};
use crate::clock::SharedClock;
use std::sync::Arc;

pub struct UnkeyKind;

impl BackendKind for UnkeyKind {
    const NAME: &'static str = "unkey";
    type Config = UnkeyBackendConfig;

    fn name(config: &UnkeyBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &UnkeyBackendConfig) -> Result<(), KeyProblem> {
        match config.problem() {
            Some((key, message)) => Err(KeyProblem::at(key, message)),
            None => Ok(()),
        }
    }

    /// Reads the root key now: an unset variable is reported before the console opens.
    fn build(config: &UnkeyBackendConfig, clock: SharedClock) -> Result<Platform, BuildError> {
        let backend = UnkeyBackend::from_config(config, clock).map_err(BuildError::new)?;
        Ok(Platform::native(Arc::new(backend)))
    }
}
