//! `[[backends]] kind = "demo"`: which scenario, how fast, and as whom.

use crate::backend::Role;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DemoBackendConfig {
    pub name: String,
    /// A built-in scenario name or a path to a scenario TOML file.
    #[serde(default = "default_scenario")]
    pub scenario: String,
    /// Scenario time runs this many times faster than real time.
    #[serde(default = "default_speed")]
    pub speed: f64,
    /// `deployer` or `read-only`.
    #[serde(default)]
    pub role: Option<Role>,
}

impl DemoBackendConfig {
    /// An entry named `name` on the default scenario at real speed (`--demo`, `serve`).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            scenario: default_scenario(),
            speed: default_speed(),
            role: None,
        }
    }
}

impl Default for DemoBackendConfig {
    fn default() -> Self {
        Self::new("demo")
    }
}

fn default_scenario() -> String {
    "bad-deploy".to_owned()
}

fn default_speed() -> f64 {
    1.0
}
