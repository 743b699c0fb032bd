//! `[[backends]] kind = "temps"`: where the self-hosted Temps server is, which variable holds
//! the API key, which projects to show, and how long each kind of call may take.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TempsBackendConfig {
    pub name: String,
    /// The server's address, with or without its `/api` base path (the CLI's
    /// `TEMPS_API_URL` carries it).
    pub base_url: String,
    /// The environment variable holding the API key (never the key itself).
    #[serde(default = "default_token_env")]
    pub token_env: String,
    /// Project ids or slugs to show; empty shows every project the key can read.
    #[serde(default)]
    pub projects: Vec<String>,
    /// How long a read or the start of a redeploy may take.
    #[serde(with = "humantime_serde", default = "default_request_timeout")]
    pub request_timeout: Duration,
    /// How long the synchronous rollback call may take before its outcome is unknown.
    #[serde(with = "humantime_serde", default = "default_rollback_timeout")]
    pub rollback_timeout: Duration,
    /// How long a redeploy (a build through the whole pipeline) may take.
    #[serde(with = "humantime_serde", default = "default_redeploy_timeout")]
    pub redeploy_timeout: Duration,
}

fn default_token_env() -> String {
    "TEMPS_API_TOKEN".to_owned()
}

fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_rollback_timeout() -> Duration {
    Duration::from_secs(120)
}

fn default_redeploy_timeout() -> Duration {
    Duration::from_secs(20 * 60)
}

/// Why a Temps backend could not be set up from its config.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TempsConfigError {
    #[error(
        "backend `{backend}`: the environment variable {variable} is not set; export the Temps API key in it (or name another variable with `token-env`)"
    )]
    MissingToken { backend: String, variable: String },
    #[error("backend `{backend}`: the environment variable {variable} is empty")]
    EmptyToken { backend: String, variable: String },
    #[error("backend `{backend}`: base-url `{url}` is not an http(s) URL")]
    BadBaseUrl { backend: String, url: String },
    #[error("backend `{backend}`: could not set up the HTTP client: {message}")]
    Client { backend: String, message: String },
}

/// The API key. Its `Debug` never prints it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl TempsBackendConfig {
    /// Reads the key from the named variable; the error names the variable only.
    pub fn api_key(&self) -> Result<ApiKey, TempsConfigError> {
        match crate::net::secrets::read_token(&self.token_env) {
            Ok(value) => Ok(ApiKey(value)),
            Err(crate::net::secrets::TokenAbsent::Empty) => Err(TempsConfigError::EmptyToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
            Err(crate::net::secrets::TokenAbsent::Missing) => Err(TempsConfigError::MissingToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
        }
    }

    /// The first value that makes no sense, as (key, message), for the config loader.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if api_base(&self.base_url).is_none() {
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
        if self.projects.iter().any(|p| p.trim().is_empty()) {
            return Some(("projects", "a project needs an id or a slug".to_owned()));
        }
        for (key, value) in [
            ("request-timeout", self.request_timeout),
            ("rollback-timeout", self.rollback_timeout),
            ("redeploy-timeout", self.redeploy_timeout),
        ] {
            if value.is_zero() {
                return Some((key, "must be longer than zero".to_owned()));
            }
        }
        None
    }

    /// The API's base URL (ending in `/api`).
    pub(super) fn checked_base_url(&self) -> Result<String, TempsConfigError> {
        api_base(&self.base_url).ok_or_else(|| TempsConfigError::BadBaseUrl {
            backend: self.name.clone(),
            url: self.base_url.clone(),
        })
    }
}

/// `https://temps.example.com` and `https://temps.example.com/api/` both mean
/// `https://temps.example.com/api`: every route of the server sits under `/api`.
pub fn api_base(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return None;
    }
    if url.ends_with("/api") {
        Some(url.to_owned())
    } else {
        Some(format!("{url}/api"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> TempsBackendConfig {
        toml::from_str(text).expect("config parses")
    }

    #[test]
    fn defaults_follow_the_temps_cli() {
        let config = parse("name = \"t\"\nbase-url = \"https://temps.example.com\"");
        assert_eq!(config.token_env, "TEMPS_API_TOKEN");
        assert!(config.projects.is_empty());
        assert_eq!(config.request_timeout, Duration::from_secs(10));
        assert_eq!(config.rollback_timeout, Duration::from_secs(120));
        assert_eq!(config.problem(), None);
    }

    #[test]
    fn the_api_path_is_added_once() {
        assert_eq!(
            api_base("https://temps.example.com").as_deref(),
            Some("https://temps.example.com/api")
        );
        assert_eq!(
            api_base("http://127.0.0.1:8080/api/").as_deref(),
            Some("http://127.0.0.1:8080/api")
        );
        assert_eq!(api_base("temps.example.com"), None);
        assert_eq!(api_base("https://"), None);
    }

    #[test]
    fn the_address_is_required_and_unknown_keys_refused() {
        let err = toml::from_str::<TempsBackendConfig>("name = \"t\"").unwrap_err();
        assert!(err.to_string().contains("base-url"), "{err}");
        let err = toml::from_str::<TempsBackendConfig>(
            "name = \"t\"\nbase-url = \"http://x\"\ntoken = \"tk_1\"",
        )
        .unwrap_err();
        assert!(err.to_string().contains("token"), "{err}");
    }

    #[test]
    fn missing_variable_is_named_and_value_never_printed() {
        let mut config = parse(
            "name = \"t\"\nbase-url = \"http://x\"\ntoken-env = \"SWITCHBACK_TEST_UNSET_TEMPS\"",
        );
        let err = config.api_key().unwrap_err();
        assert!(
            err.to_string().contains("SWITCHBACK_TEST_UNSET_TEMPS"),
            "{err}"
        );
        config.token_env = "PATH".to_owned();
        let key = config.api_key().unwrap();
        assert!(!format!("{key:?}").contains(&std::env::var("PATH").unwrap()));
    }

    #[test]
    fn nonsense_values_are_named() {
        let config = parse("name = \"t\"\nbase-url = \"temps.local\"");
        assert_eq!(config.problem().unwrap().0, "base-url");
        let config = parse("name = \"t\"\nbase-url = \"http://x\"\ntoken-env = \"tk_abc.def\"");
        assert_eq!(config.problem().unwrap().0, "token-env");
        let config = parse("name = \"t\"\nbase-url = \"http://x\"\nrollback-timeout = \"0s\"");
        assert_eq!(config.problem().unwrap().0, "rollback-timeout");
        let config = parse("name = \"t\"\nbase-url = \"http://x\"\nprojects = [\"\"]");
        assert_eq!(config.problem().unwrap().0, "projects");
    }

    #[test]
    fn the_kind_is_known_to_the_registry() {
        let entry: crate::backend::registry::BackendConfig = toml::from_str(
            "kind = \"temps\"\nname = \"self-hosted\"\nbase-url = \"http://127.0.0.1:1\"\n\
             token-env = \"SWITCHBACK_TEST_UNSET_TEMPS\"",
        )
        .unwrap();
        assert_eq!(entry.kind(), "temps");
        let err = entry
            .build(entry.clock())
            .err()
            .expect("no key, no backend");
        let text = err.to_string();
        assert!(
            text.contains("SWITCHBACK_TEST_UNSET_TEMPS") && text.contains("self-hosted"),
            "{text}"
        );
    }
}
