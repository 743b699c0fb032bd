//! `[[backends]] kind = "fly"`: the organization, one project made of apps (one app per
//! environment), the variable holding the token, and where Fly's APIs are.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://api.fly.io";
pub const DEFAULT_MACHINES_URL: &str = "https://api.machines.dev";

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FlyBackendConfig {
    pub name: String,
    /// The organization slug (also the path of its managed Prometheus).
    pub org: String,
    /// The project the apps make up; the entry's name when left out.
    #[serde(default)]
    pub project: Option<String>,
    /// Environment name → Fly app (`production = "shop-web"`).
    pub apps: BTreeMap<String, String>,
    /// The environment variable holding the token (never the token itself).
    #[serde(default = "default_token_env")]
    pub token_env: String,
    /// GraphQL, releases and Prometheus; `FLY_API_BASE_URL` when left out, then Fly's.
    #[serde(default)]
    pub api_url: Option<String>,
    /// The Machines API; `FLY_FLAPS_BASE_URL` when left out, then Fly's.
    #[serde(default)]
    pub machines_url: Option<String>,
    /// Share of a process group's Machines updated at once in a rolling rollout (flyctl's
    /// `--max-unavailable`, 0.33 by default).
    #[serde(default = "default_max_unavailable")]
    pub max_unavailable: f64,
    #[serde(with = "humantime_serde", default = "default_request_timeout")]
    pub request_timeout: Duration,
    /// How long a Machine's health checks may take to pass after it started.
    #[serde(with = "humantime_serde", default = "default_health_timeout")]
    pub health_timeout: Duration,
}

fn default_token_env() -> String {
    "FLY_API_TOKEN".to_owned()
}

fn default_max_unavailable() -> f64 {
    0.33
}

fn default_request_timeout() -> Duration {
    Duration::from_secs(75)
}

fn default_health_timeout() -> Duration {
    Duration::from_secs(120)
}

/// Why a Fly backend could not be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FlyConfigError {
    #[error(
        "backend `{backend}`: the environment variable {variable} is not set; export a Fly token in it (or name another variable with `token-env`)"
    )]
    MissingToken { backend: String, variable: String },
    #[error("backend `{backend}`: the environment variable {variable} is empty")]
    EmptyToken { backend: String, variable: String },
    #[error("backend `{backend}`: {key} `{url}` is not an http(s) URL")]
    BadUrl {
        backend: String,
        key: &'static str,
        url: String,
    },
    #[error("backend `{backend}`: could not set up the HTTP client: {message}")]
    Client { backend: String, message: String },
}

/// A Fly token. Its `Debug` never prints it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into().trim().to_owned())
    }

    /// The token without a scheme word in front (`FlyV1 fm2_…` → `fm2_…`).
    fn bare(&self) -> &str {
        self.0.strip_prefix("FlyV1 ").unwrap_or(&self.0).trim()
    }

    /// Macaroon tokens (`fm1r_`, `fm2_`, or already written `FlyV1 …`).
    pub fn is_macaroon(&self) -> bool {
        self.0.starts_with("FlyV1 ")
            || self.bare().starts_with("fm1r_")
            || self.bare().starts_with("fm2_")
    }

    /// For the Machines API and GraphQL: `FlyV1` for macaroons, `Bearer` otherwise.
    pub(super) fn machines_header(&self) -> String {
        if self.is_macaroon() {
            format!("FlyV1 {}", self.bare())
        } else {
            format!("Bearer {}", self.bare())
        }
    }

    /// For the releases REST API: always `Bearer`, macaroons included.
    pub(super) fn bearer_header(&self) -> String {
        format!("Bearer {}", self.bare())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

fn is_http(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl FlyBackendConfig {
    pub fn project_name(&self) -> &str {
        self.project.as_deref().unwrap_or(&self.name)
    }

    /// Reads the token from the named variable; the error names the variable only.
    pub fn token(&self) -> Result<Token, FlyConfigError> {
        match crate::net::secrets::read_token(&self.token_env) {
            Ok(value) => Ok(Token::new(value)),
            Err(crate::net::secrets::TokenAbsent::Empty) => Err(FlyConfigError::EmptyToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
            Err(crate::net::secrets::TokenAbsent::Missing) => Err(FlyConfigError::MissingToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
        }
    }

    /// The API base: the entry's, else `FLY_API_BASE_URL`, else Fly's.
    pub fn api_base(&self) -> Result<String, FlyConfigError> {
        self.base(
            "api-url",
            &self.api_url,
            "FLY_API_BASE_URL",
            DEFAULT_API_URL,
        )
    }

    /// The Machines API base: the entry's, else `FLY_FLAPS_BASE_URL`, else Fly's.
    pub fn machines_base(&self) -> Result<String, FlyConfigError> {
        self.base(
            "machines-url",
            &self.machines_url,
            "FLY_FLAPS_BASE_URL",
            DEFAULT_MACHINES_URL,
        )
    }

    fn base(
        &self,
        key: &'static str,
        own: &Option<String>,
        variable: &str,
        default: &str,
    ) -> Result<String, FlyConfigError> {
        let url = own
            .clone()
            .or_else(|| {
                std::env::var(variable)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
            })
            .unwrap_or_else(|| default.to_owned());
        let url = url.trim().trim_end_matches('/').to_owned();
        if is_http(&url) {
            Ok(url)
        } else {
            Err(FlyConfigError::BadUrl {
                backend: self.name.clone(),
                key,
                url,
            })
        }
    }

    /// The first value that makes no sense, as (key, message), for the config loader.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !is_name(&self.org) {
            return Some((
                "org",
                "an organization slug: letters, digits, `-`".to_owned(),
            ));
        }
        if self.apps.is_empty() {
            return Some((
                "apps",
                "name at least one environment and its app, e.g. production = \"shop-web\""
                    .to_owned(),
            ));
        }
        if let Some((env, app)) = self
            .apps
            .iter()
            .find(|(env, app)| !is_name(env) || !is_name(app))
        {
            return Some((
                "apps",
                format!(
                    "`{}` = `{}` is not an environment and a Fly app name",
                    env.chars().take(64).collect::<String>(),
                    app.chars().take(64).collect::<String>()
                ),
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
                "name an environment variable (letters, digits, `_`), not the token itself"
                    .to_owned(),
            ));
        }
        for (key, url) in [
            ("api-url", &self.api_url),
            ("machines-url", &self.machines_url),
        ] {
            if let Some(url) = url
                && !is_http(url)
            {
                return Some((key, format!("`{url}` is not an http(s) URL")));
            }
        }
        if !(self.max_unavailable > 0.0 && self.max_unavailable <= 1.0) {
            return Some((
                "max-unavailable",
                "a share of a group's Machines, above 0 and at most 1 (e.g. 0.33)".to_owned(),
            ));
        }
        if self.request_timeout.is_zero() {
            return Some(("request-timeout", "must be longer than zero".to_owned()));
        }
        if self.health_timeout.is_zero() {
            return Some(("health-timeout", "must be longer than zero".to_owned()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> FlyBackendConfig {
        toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn an_entry_reads_with_its_defaults() {
        let c = entry("name = \"shop\"\norg = \"acme\"\n[apps]\nproduction = \"shop-web\"\n");
        assert_eq!(c.token_env, "FLY_API_TOKEN");
        assert_eq!(c.project_name(), "shop");
        assert_eq!(c.max_unavailable, 0.33);
        assert_eq!(c.problem(), None);
    }

    #[test]
    fn nonsense_is_named_by_its_key() {
        let c = entry(
            "name = \"shop\"\norg = \"acme\"\nmax-unavailable = 0\n[apps]\nproduction = \"shop-web\"\n",
        );
        assert_eq!(c.problem().unwrap().0, "max-unavailable");
        let c = entry("name = \"shop\"\norg = \"acme\"\n[apps]\n");
        assert_eq!(c.problem().unwrap().0, "apps");
        let c = entry(
            "name = \"s\"\norg = \"acme\"\ntoken-env = \"fm2_abc def\"\n[apps]\nproduction = \"w\"\n",
        );
        assert_eq!(c.problem().unwrap().0, "token-env");
    }

    #[test]
    fn macaroons_are_sent_as_flyv1_to_machines_and_bearer_to_releases() {
        let macaroon = Token::new("fm2_secretpart");
        assert_eq!(macaroon.machines_header(), "FlyV1 fm2_secretpart");
        assert_eq!(macaroon.bearer_header(), "Bearer fm2_secretpart");
        let written = Token::new("FlyV1 fm1r_x");
        assert_eq!(written.machines_header(), "FlyV1 fm1r_x");
        let plain = Token::new("personal-token");
        assert_eq!(plain.machines_header(), "Bearer personal-token");
        assert!(!format!("{macaroon:?}").contains("secret"));
    }
}
