//! The `http` kind: a URL and two timeouts to check, and a backend that keeps the
//! platform's own clock (it sends it with every answer).

use super::{HttpBackend, HttpBackendConfig};
use crate::backend::{BackendKind, BuildError, KeyProblem, Platform};
use crate::clock::SharedClock;
use std::sync::Arc;

pub struct HttpKind;

impl BackendKind for HttpKind {
    const NAME: &'static str = "http";
    type Config = HttpBackendConfig;

    fn name(config: &HttpBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &HttpBackendConfig) -> Result<(), KeyProblem> {
        let url_ok = reqwest::Url::parse(&config.url)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
        if !url_ok {
            return Err(KeyProblem::at(
                "url",
                format!(
                    "{:?} is not an http(s) URL (e.g. \"http://127.0.0.1:7878\")",
                    config.url
                ),
            ));
        }
        for (key, value) in [
            ("connect-timeout", config.connect_timeout),
            ("request-timeout", config.request_timeout),
        ] {
            if value.is_zero() {
                return Err(KeyProblem::at(
                    key,
                    "must be longer than zero (e.g. \"3s\")",
                ));
            }
        }
        Ok(())
    }

    fn build(config: &HttpBackendConfig, _clock: SharedClock) -> Result<Platform, BuildError> {
        Ok(Platform::native(Arc::new(
            HttpBackend::new(config).map_err(BuildError::new)?,
        )))
    }
}
