//! The config file: where it is, what it may say, and what it means.
//!
//! Skeleton shared by the CLI, the console and the backends; the loader (file, line and key
//! in every error) lives beside it.

pub mod keys;
mod load;
mod locate;
mod problem;
mod validate;

pub use load::{ConfigError, load_file, parse_str};
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
}

/// One backend entry; `kind` picks the adapter.
///
/// Adding a kind is adding a variant, its name in [`BackendConfig::KINDS`], an arm in
/// [`BackendConfig::deserialize_kind`] and an arm in `backend::factory`.
#[derive(Clone, Debug, PartialEq)]
pub enum BackendConfig {
    Demo(DemoBackendConfig),
    /// A platform speaking the documented HTTP contract (`docs/api.md`).
    Http(HttpBackendConfig),
    Unkey(crate::backend::unkey::UnkeyBackendConfig),
    Kubernetes(crate::backend::kubernetes::KubernetesBackendConfig),
}

impl BackendConfig {
    /// Every `kind` this build understands, in the order the docs list them.
    pub const KINDS: &'static [&'static str] = &["demo", "http", "unkey", "kubernetes"];

    pub fn name(&self) -> &str {
        match self {
            Self::Demo(c) => &c.name,
            Self::Http(c) => &c.name,
            Self::Unkey(c) => &c.name,
            Self::Kubernetes(c) => &c.name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Demo(_) => "demo",
            Self::Http(_) => "http",
            Self::Unkey(_) => "unkey",
            Self::Kubernetes(_) => "kubernetes",
        }
    }

    pub fn as_demo(&self) -> Option<&DemoBackendConfig> {
        match self {
            Self::Demo(c) => Some(c),
            Self::Http(_) => None,
            Self::Unkey(_) => None,
            Self::Kubernetes(_) => None,
        }
    }

    /// The embedded demo with its defaults, used when no backend is configured.
    pub fn default_demo() -> Self {
        Self::Demo(DemoBackendConfig::default())
    }

    /// Reads the rest of an entry (everything but `kind`) as the given kind; `Ok(None)` when
    /// the kind is unknown. The one place that maps kind names to variants.
    pub fn deserialize_kind<'de, D>(kind: &str, rest: D) -> Result<Option<Self>, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        Ok(Some(match kind {
            "demo" => Self::Demo(DemoBackendConfig::deserialize(rest)?),
            "http" => Self::Http(HttpBackendConfig::deserialize(rest)?),
            "unkey" => Self::Unkey(crate::backend::unkey::UnkeyBackendConfig::deserialize(
                rest,
            )?),
            "kubernetes" => Self::Kubernetes(
                crate::backend::kubernetes::KubernetesBackendConfig::deserialize(rest)?,
            ),
            _ => return Ok(None),
        }))
    }
}

/// `kind = "http"`: a server implementing `docs/openapi.yaml` (e.g. `switchback serve`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpBackendConfig {
    pub name: String,
    /// Base URL, e.g. `https://deploy.example.com` (the `/v1/...` paths are appended).
    pub url: String,
    /// The environment variable holding the bearer token; never the token itself.
    #[serde(default)]
    pub token_env: Option<String>,
    #[serde(
        with = "humantime_serde",
        default = "HttpBackendConfig::default_connect_timeout"
    )]
    pub connect_timeout: Duration,
    #[serde(
        with = "humantime_serde",
        default = "HttpBackendConfig::default_request_timeout"
    )]
    pub request_timeout: Duration,
}

impl HttpBackendConfig {
    fn default_connect_timeout() -> Duration {
        Duration::from_secs(3)
    }
    fn default_request_timeout() -> Duration {
        Duration::from_secs(10)
    }

    /// An entry with the default timeouts and no token.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
            token_env: None,
            connect_timeout: Self::default_connect_timeout(),
            request_timeout: Self::default_request_timeout(),
        }
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

/// Written by hand rather than with `#[serde(tag = "kind")]`: an internally tagged enum
/// buffers the entry, which loses the position and key of any error inside it. The file
/// loader bypasses this impl to keep them; this one serves other callers.
impl<'de> Deserialize<'de> for BackendConfig {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        use serde::de::Error as _;
        let mut table = toml::Table::deserialize(deserializer)?;
        let kind = match table.remove("kind") {
            Some(toml::Value::String(kind)) => kind,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "`kind` must be a string, found {}",
                    other.type_str()
                )));
            }
            None => return Err(D::Error::missing_field("kind")),
        };
        Self::deserialize_kind(&kind, toml::Value::Table(table))
            .map_err(D::Error::custom)?
            .ok_or_else(|| D::Error::unknown_variant(&kind, Self::KINDS))
    }
}

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
    pub role: Option<crate::backend::Role>,
}

impl Default for DemoBackendConfig {
    fn default() -> Self {
        Self {
            name: "demo".to_owned(),
            scenario: default_scenario(),
            speed: default_speed(),
            role: None,
        }
    }
}

pub(crate) fn default_scenario() -> String {
    "bad-deploy".to_owned()
}

fn default_speed() -> f64 {
    1.0
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
