//! `[[backends]] kind = "vercel"`: the team, which env var holds the token, which projects to
//! show, and how long operations may take.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Vercel's own CLI looks at a rollback every 250 ms; switchback never looks more often.
pub const MIN_POLL: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VercelBackendConfig {
    pub name: String,
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The environment variable holding the token (never the token itself).
    #[serde(default = "default_token_env")]
    pub token_env: String,
    /// The team: its id (`team_…`) or its slug. Without it, the token's personal account.
    #[serde(default)]
    pub team: Option<String>,
    /// Project ids or names to show; empty shows every project the token can read.
    #[serde(default)]
    pub projects: Vec<String>,
    /// How long a rollback or promote may take (Vercel's CLI waits 3 minutes).
    #[serde(with = "humantime_serde", default = "default_switch_timeout")]
    pub switch_timeout: Duration,
    /// How long a redeploy (a build) may take.
    #[serde(with = "humantime_serde", default = "default_redeploy_timeout")]
    pub redeploy_timeout: Duration,
    /// How often an operation is looked at, at most (never under 250 ms).
    #[serde(with = "humantime_serde", default = "default_operation_poll")]
    pub operation_poll: Duration,
}

fn default_base_url() -> String {
    "https://api.vercel.com".to_owned()
}

fn default_token_env() -> String {
    "VERCEL_TOKEN".to_owned()
}

fn default_switch_timeout() -> Duration {
    Duration::from_secs(180)
}

fn default_redeploy_timeout() -> Duration {
    Duration::from_secs(30 * 60)
}

fn default_operation_poll() -> Duration {
    Duration::from_secs(1)
}

/// Why a Vercel backend could not be set up from its config.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VercelConfigError {
    #[error(
        "backend `{backend}`: the environment variable {variable} is not set; export a Vercel token in it (or name another variable with `token-env`)"
    )]
    MissingToken { backend: String, variable: String },
    #[error("backend `{backend}`: the environment variable {variable} is empty")]
    EmptyToken { backend: String, variable: String },
    #[error("backend `{backend}`: base-url `{url}` is not an http(s) URL")]
    BadBaseUrl { backend: String, url: String },
    #[error("backend `{backend}`: could not set up the HTTP client: {message}")]
    Client { backend: String, message: String },
}

/// A Vercel access token. Its `Debug` never prints it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// How requests name the team: Vercel takes `teamId` or `slug` on every call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TeamScope {
    Id(String),
    Slug(String),
}

impl TeamScope {
    /// `team_…` is an id; anything else a slug.
    pub fn parse(team: &str) -> Self {
        if team.starts_with("team_") {
            Self::Id(team.to_owned())
        } else {
            Self::Slug(team.to_owned())
        }
    }

    /// The query parameter naming it.
    pub fn param(&self) -> (&'static str, &str) {
        match self {
            Self::Id(id) => ("teamId", id),
            Self::Slug(slug) => ("slug", slug),
        }
    }

    pub fn as_str(&self) -> &str {
        self.param().1
    }
}

impl VercelBackendConfig {
    /// Reads the token from the named variable; the error names the variable only.
    pub fn token(&self) -> Result<Token, VercelConfigError> {
        match crate::net::secrets::read_token(&self.token_env) {
            Ok(value) => Ok(Token(value)),
            Err(crate::net::secrets::TokenAbsent::Empty) => Err(VercelConfigError::EmptyToken {
                backend: self.name.clone(),
                variable: self.token_env.clone(),
            }),
            Err(crate::net::secrets::TokenAbsent::Missing) => {
                Err(VercelConfigError::MissingToken {
                    backend: self.name.clone(),
                    variable: self.token_env.clone(),
                })
            }
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
                "name an environment variable (letters, digits, `_`), not the token itself"
                    .to_owned(),
            ));
        }
        if let Some(team) = &self.team
            && !is_name(team)
        {
            return Some((
                "team",
                "a team id (`team_…`) or slug: letters, digits, `-`, `_`, `.`".to_owned(),
            ));
        }
        if let Some(index) = self.projects.iter().position(|p| !is_name(p)) {
            return Some((
                "projects",
                format!(
                    "`{}` is not a project id or name",
                    self.projects[index].chars().take(64).collect::<String>()
                ),
            ));
        }
        if self.switch_timeout.is_zero() {
            return Some(("switch-timeout", "must be longer than zero".to_owned()));
        }
        if self.redeploy_timeout.is_zero() {
            return Some(("redeploy-timeout", "must be longer than zero".to_owned()));
        }
        if self.operation_poll < MIN_POLL {
            return Some((
                "operation-poll",
                "at least 250ms: switchback never looks at Vercel more often than its own CLI"
                    .to_owned(),
            ));
        }
        None
    }

    pub(super) fn checked_base_url(&self) -> Result<String, VercelConfigError> {
        let url = self.base_url.trim_end_matches('/');
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url.to_owned())
        } else {
            Err(VercelConfigError::BadBaseUrl {
                backend: self.name.clone(),
                url: self.base_url.clone(),
            })
        }
    }
}

/// Vercel's ids and names: letters, digits, `-`, `_`, `.`; nothing a URL or query could
/// read differently.
pub fn is_name(value: &str) -> bool {
    (1..=256).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> VercelBackendConfig {
        toml::from_str(text).expect("config parses")
    }

    #[test]
    fn defaults_follow_vercels_own_cli() {
        let config = parse("name = \"vercel\"");
        assert_eq!(config.base_url, "https://api.vercel.com");
        assert_eq!(config.token_env, "VERCEL_TOKEN");
        assert_eq!(config.team, None);
        assert!(config.projects.is_empty());
        assert_eq!(config.switch_timeout, Duration::from_secs(180));
        assert_eq!(config.operation_poll, Duration::from_secs(1));
        assert_eq!(config.problem(), None);
    }

    #[test]
    fn a_team_is_an_id_or_a_slug() {
        assert_eq!(
            TeamScope::parse("team_abc123").param(),
            ("teamId", "team_abc123")
        );
        assert_eq!(TeamScope::parse("acme").param(), ("slug", "acme"));
    }

    #[test]
    fn missing_variable_is_named_and_value_never_printed() {
        let mut config = parse("name = \"v\"\ntoken-env = \"SWITCHBACK_TEST_UNSET_VERCEL_TOKEN\"");
        let err = config.token().unwrap_err();
        assert!(
            err.to_string()
                .contains("SWITCHBACK_TEST_UNSET_VERCEL_TOKEN")
        );
        config.token_env = "PATH".to_owned();
        let token = config.token().unwrap();
        assert!(!format!("{token:?}").contains(&std::env::var("PATH").unwrap()));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<VercelBackendConfig>("name = \"v\"\ntoken = \"x\"").is_err());
    }

    #[test]
    fn nonsense_values_are_named() {
        let cases = [
            ("base-url = \"api.vercel.com\"", "base-url"),
            ("token-env = \"vercel_abc.def\"", "token-env"),
            ("team = \"acme corp\"", "team"),
            ("projects = [\"shop\", \"a/b\"]", "projects"),
            ("switch-timeout = \"0s\"", "switch-timeout"),
            ("operation-poll = \"100ms\"", "operation-poll"),
        ];
        for (line, key) in cases {
            let config = parse(&format!("name = \"v\"\n{line}"));
            assert_eq!(config.problem().map(|p| p.0), Some(key), "{line}");
        }
    }

    #[test]
    fn the_kind_is_known_to_the_registry() {
        let entry: crate::backend::registry::BackendConfig = toml::from_str(
            "kind = \"vercel\"\nname = \"prod\"\ntoken-env = \"SWITCHBACK_TEST_UNSET_VERCEL_TOKEN\"",
        )
        .unwrap();
        assert_eq!(entry.kind(), "vercel");
        let err = entry
            .build(entry.clock())
            .err()
            .expect("no token, no backend");
        let text = err.to_string();
        assert!(
            text.contains("SWITCHBACK_TEST_UNSET_VERCEL_TOKEN") && text.contains("prod"),
            "{text}"
        );
    }
}
