//! `[[backends]] kind = "unkey"`: where the API is, which env var holds the root key, and
//! which projects to show.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnkeyBackendConfig {
    pub name: String,
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The environment variable holding the root key (never the key itself).
    #[serde(default = "default_token_env")]
    pub token_env: String,
    /// Project ids or slugs to show; empty shows every project the key can read.
    #[serde(default)]
    pub projects: Vec<String>,
    /// How long a rollback or promote may take before the console calls it failed.
    #[serde(with = "humantime_serde", default = "default_switch_timeout")]
    pub switch_timeout: Duration,
    /// How long a redeploy (a build) may take.
    #[serde(with = "humantime_serde", default = "default_redeploy_timeout")]
    pub redeploy_timeout: Duration,
}

fn default_base_url() -> String {
    "https://api.unkey.com".to_owned()
}

fn default_token_env() -> String {
    "UNKEY_ROOT_KEY".to_owned()
}

fn default_switch_timeout() -> Duration {
    Duration::from_secs(120)
}

fn default_redeploy_timeout() -> Duration {
    Duration::from_secs(20 * 60)
}

/// Why an Unkey backend could not be set up from its config.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnkeyConfigError {
    #[error(
        "backend `{backend}`: the environment variable {variable} is not set; export the Unkey root key in it (or name another variable with `token-env`)"
    )]
    MissingToken { backend: String, variable: String },
    #[error("backend `{backend}`: the environment variable {variable} is empty")]
    EmptyToken { backend: String, variable: String },
    #[error("backend `{backend}`: base-url `{url}` is not an http(s) URL")]
    BadBaseUrl { backend: String, url: String },
    #[error("backend `{backend}`: could not set up the HTTP client: {message}")]
    Client { backend: String, message: String },
}

/// The root key. Its `Debug` never prints it.
#[derive(Clone)]
pub struct RootKey(String);

impl RootKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

impl UnkeyBackendConfig {
    /// Reads the root key from the named variable; the error names the variable only.
    pub fn root_key(&self) -> Result<RootKey, UnkeyConfigError> {
        match crate::net::secrets::read_token(&self.token_env) {
            Ok(value) => Ok(RootKey(value)),
            Err(crate::net::secrets::TokenAbsent::Empty) => Err(UnkeyConfigError::EmptyToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
            Err(crate::net::secrets::TokenAbsent::Missing) => Err(UnkeyConfigError::MissingToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
        }
    }

    /// The first value that makes no sense, as (key, message), for the config loader.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Some((
                "base-url",
                format!("`{}` is not an http(s) URL", self.base_url),
            ));
        }
        let variable_ok = !self.token_env.is_empty()
            && self
                .token_env
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !variable_ok {
            return Some((
                "token-env",
                "name an environment variable (letters, digits, `_`), not the key itself"
                    .to_owned(),
            ));
        }
        if self.switch_timeout.is_zero() || self.redeploy_timeout.is_zero() {
            return Some((
                "switch-timeout",
                "timeouts must be longer than zero".to_owned(),
            ));
        }
        None
    }

    pub(super) fn checked_base_url(&self) -> Result<String, UnkeyConfigError> {
        let url = self.base_url.trim_end_matches('/');
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url.to_owned())
        } else {
            Err(UnkeyConfigError::BadBaseUrl {
                backend: self.name.clone(),
                url: self.base_url.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> UnkeyBackendConfig {
        toml::from_str(text).expect("config parses")
    }

    #[test]
    fn defaults_follow_unkeys_own_cli() {
        let config = parse("name = \"unkey\"");
        assert_eq!(config.base_url, "https://api.unkey.com");
        assert_eq!(config.token_env, "UNKEY_ROOT_KEY");
        assert!(config.projects.is_empty());
    }

    #[test]
    fn missing_variable_is_named_and_value_never_printed() {
        let mut config = parse("name = \"u\"\ntoken-env = \"SWITCHBACK_TEST_UNSET_UNKEY_KEY\"");
        let err = config.root_key().unwrap_err();
        assert!(err.to_string().contains("SWITCHBACK_TEST_UNSET_UNKEY_KEY"));
        config.token_env = "PATH".to_owned();
        let key = config.root_key().unwrap();
        assert!(!format!("{key:?}").contains(&std::env::var("PATH").unwrap()));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<UnkeyBackendConfig>("name = \"u\"\ntoken = \"x\"").is_err());
    }

    #[test]
    fn the_kind_is_known_to_the_registry() {
        let entry: crate::backend::registry::BackendConfig = toml::from_str(
            "kind = \"unkey\"\nname = \"prod\"\ntoken-env = \"SWITCHBACK_TEST_UNSET_UNKEY_KEY\"",
        )
        .unwrap();
        assert_eq!(entry.kind(), "unkey");
        let err = entry
            .build(entry.clock())
            .err()
            .expect("no key, no backend");
        let text = err.to_string();
        assert!(
            text.contains("SWITCHBACK_TEST_UNSET_UNKEY_KEY") && text.contains("prod"),
            "{text}"
        );
    }

    #[test]
    fn nonsense_values_are_named() {
        let config = parse("name = \"u\"\nbase-url = \"api.unkey.com\"");
        assert_eq!(config.problem().unwrap().0, "base-url");
        let config = parse("name = \"u\"\ntoken-env = \"unkey_abc.def\"");
        assert_eq!(config.problem().unwrap().0, "token-env");
        assert_eq!(parse("name = \"u\"").problem(), None);
    }
}
