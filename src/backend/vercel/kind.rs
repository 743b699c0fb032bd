//! The `vercel` kind: its config's checks and the adapter it builds.

use super::{VercelBackend, VercelBackendConfig};
use crate::backend::{BackendKind, BuildError, KeyProblem, Platform};
use crate::clock::SharedClock;
use std::sync::Arc;

pub struct VercelKind;

impl BackendKind for VercelKind {
    const NAME: &'static str = "vercel";
    type Config = VercelBackendConfig;

    fn name(config: &VercelBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &VercelBackendConfig) -> Result<(), KeyProblem> {
        match config.problem() {
            Some((key, message)) => Err(KeyProblem::at(key, message)),
            None => Ok(()),
        }
    }

    /// Reads the token now: an unset variable is reported before the console opens.
    fn build(config: &VercelBackendConfig, clock: SharedClock) -> Result<Platform, BuildError> {
        let backend = VercelBackend::from_config(config, clock).map_err(BuildError::new)?;
        Ok(Platform::native(Arc::new(backend)))
    }
}
