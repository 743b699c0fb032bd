//! `[[backends]] kind = "http"`: a server implementing `docs/openapi.yaml` (e.g.
//! `switchback serve`).

use serde::Deserialize;
use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_with_humantime_timeouts_and_defaults() {
        let http: HttpBackendConfig = toml::from_str(
            "name = \"shared\"\nurl = \"http://127.0.0.1:7878\"\nrequest-timeout = \"2500ms\"\n",
        )
        .unwrap();
        assert_eq!(http.connect_timeout, Duration::from_secs(3));
        assert_eq!(http.request_timeout, Duration::from_millis(2500));
        assert_eq!(http.token_env, None);
        assert_eq!(
            http,
            HttpBackendConfig {
                request_timeout: Duration::from_millis(2500),
                ..HttpBackendConfig::new("shared", "http://127.0.0.1:7878")
            }
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = toml::from_str::<HttpBackendConfig>(
            "name = \"x\"\nurl = \"http://h\"\ntoken = \"secret\"\n",
        )
        .unwrap_err();
        assert!(error.to_string().contains("token"), "{error}");
    }
}
