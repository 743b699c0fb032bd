//! The config file: where it is, what it may say, and what it means.
//!
//! Skeleton shared by the CLI, the console and the backends; the loader (file, line and key
//! in every error) lives beside it.

pub mod keys;
mod load;
mod locate;
mod problem;
mod validate;

pub use crate::backend::registry::BackendConfig;
pub use load::{ConfigError, load_file, parse_str};
pub use locate::{key_position, line_column};
pub use problem::Problem;

use serde::Deserialize;
use std::time::Duration;

/// The whole config file. Every table refuses keys it does not know.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Theme name (built in or from the user themes folder).
    #[serde(default)]
    pub theme: Option<String>,
    /// The name operations are recorded under at the platform; default: the login name.
    #[serde(default)]
    pub actor: Option<String>,
    /// `[[backends]]`: each kind and its keys are listed in `backend::registry`.
    #[serde(default)]
    pub backends: Vec<BackendConfig>,
    #[serde(default)]
    pub poll: PollConfig,
    #[serde(default)]
    pub console: ConsoleConfig,
    #[serde(default)]
    pub keys: keys::KeysConfig,
    /// `switchback serve`: where it listens and which tokens it accepts.
    #[serde(default)]
    pub serve: ServeConfig,
    /// Where error rates come from; absent: each backend's own numbers.
    #[serde(default)]
    pub metrics: Option<crate::metrics::MetricsConfig>,
}

impl Config {
    /// Who is acting: `actor` from the config, else the login name (`$USER`, `$LOGNAME`);
    /// `None` leaves it to the platform's view of the credentials.
    pub fn actor(&self) -> Option<String> {
        let login = || {
            ["USER", "LOGNAME"]
                .iter()
                .find_map(|var| std::env::var(var).ok())
        };
        self.actor
            .clone()
            .or_else(login)
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
    }
}

/// `[serve]`: defaults for `switchback serve`; command-line flags win.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeConfig {
    /// Address to listen on, e.g. `127.0.0.1:7878`.
    #[serde(default)]
    pub listen: Option<String>,
    /// The environment variable holding the token of the deployer role.
    #[serde(default)]
    pub deployer_token_env: Option<String>,
    /// The environment variable holding the token of the read-only role.
    #[serde(default)]
    pub read_only_token_env: Option<String>,
}

/// How often the console refreshes what is on screen.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PollConfig {
    /// The environment on screen.
    #[serde(with = "humantime_serde", default = "PollConfig::default_focused")]
    pub focused: Duration,
    /// Every other environment.
    #[serde(with = "humantime_serde", default = "PollConfig::default_others")]
    pub others: Duration,
    /// While an operation runs.
    #[serde(with = "humantime_serde", default = "PollConfig::default_operation")]
    pub operation: Duration,
}

impl PollConfig {
    fn default_focused() -> Duration {
        Duration::from_secs(2)
    }
    fn default_others() -> Duration {
        Duration::from_secs(10)
    }
    fn default_operation() -> Duration {
        Duration::from_millis(500)
    }
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            focused: Self::default_focused(),
            others: Self::default_others(),
            operation: Self::default_operation(),
        }
    }
}

/// What the console protects and how it judges health.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConsoleConfig {
    /// Environments whose name must be typed to confirm an operation.
    #[serde(default = "ConsoleConfig::default_protected")]
    pub protected_environments: Vec<String>,
    /// Error rate (a fraction, 0.01 = 1%) above which a deployment is unhealthy.
    #[serde(default = "ConsoleConfig::default_threshold")]
    pub error_threshold: f64,
    /// Capture the mouse (off by default, so the terminal's own selection keeps working).
    #[serde(default)]
    pub mouse: bool,
}

impl ConsoleConfig {
    fn default_protected() -> Vec<String> {
        vec!["production".to_owned()]
    }
    fn default_threshold() -> f64 {
        0.01
    }
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            protected_environments: Self::default_protected(),
            error_threshold: Self::default_threshold(),
            mouse: false,
        }
    }
}
