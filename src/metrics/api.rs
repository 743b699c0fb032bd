//! The Prometheus HTTP query API: `/api/v1/query` and `/api/v1/query_range`.

use super::answer::{QueryData, read_answer};
use crate::backend::BackendError;
use crate::domain::Timestamp;
use crate::net::{HttpSettings, Replay, RetryPolicy, build_client, read_limited, retrying};
use reqwest::Url;
use std::fmt;
use std::time::Duration;

/// A Bearer token read from the environment; never printed.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

#[derive(Clone)]
pub struct PrometheusClient {
    http: reqwest::Client,
    /// Ends with `/`, so the API paths join under a path prefix.
    base: Url,
    /// The base URL without user or password, for messages.
    shown: String,
    token: Option<Token>,
    max_body_bytes: usize,
    retry: RetryPolicy,
}

impl fmt::Debug for PrometheusClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusClient")
            .field("url", &self.shown)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl PrometheusClient {
    /// `url` is the server's base URL; `timeout` bounds each request, connection included.
    pub fn new(url: &str, token: Option<Token>, timeout: Duration) -> Result<Self, String> {
        let mut base = Url::parse(url).map_err(|e| e.to_string())?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(format!("scheme {:?} is not http or https", base.scheme()));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let mut shown = base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        let settings = HttpSettings {
            connect_timeout: timeout.min(HttpSettings::default().connect_timeout),
            request_timeout: timeout,
            ..HttpSettings::default()
        };
        let http = build_client(&settings).map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base,
            shown: shown.as_str().trim_end_matches('/').to_owned(),
            token,
            max_body_bytes: settings.max_body_bytes,
            // The poller retries on its own schedule; one quick second try covers a blip.
            retry: RetryPolicy {
                max_attempts: 2,
                ..RetryPolicy::default()
            },
        })
    }

    /// The server, as shown in messages (no credentials).
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// `promql` evaluated at one instant.
    pub async fn instant(&self, promql: &str, at: Timestamp) -> Result<QueryData, BackendError> {
        let params = [("query", promql.to_owned()), ("time", unix_seconds(at))];
        self.get("api/v1/query", &params).await
    }

    /// `promql` evaluated at `start`, `start + step`, ... up to `end`.
    pub async fn range(
        &self,
        promql: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<QueryData, BackendError> {
        let params = [
            ("query", promql.to_owned()),
            ("start", unix_seconds(start)),
            ("end", unix_seconds(end)),
            ("step", format!("{}", step.as_secs_f64())),
        ];
        self.get("api/v1/query_range", &params).await
    }

    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<QueryData, BackendError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| BackendError::invalid(e.to_string()))?;
        retrying(Replay::Read, &self.retry, "query", |_| async {
            let mut request = self.http.get(url.clone()).query(params);
            if let Some(Token(token)) = &self.token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(|e| self.unreachable(e))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_limited(response, self.max_body_bytes).await?;
            read_answer(status, &headers, &body).map_err(|error| match error {
                // Prometheus answers every refusal with its envelope; a bare 404 means the
                // URL is not a Prometheus (or misses its path prefix).
                BackendError::NotFound { .. } => BackendError::invalid(format!(
                    "no Prometheus query API at {} (HTTP 404); check [metrics] url",
                    self.shown
                )),
                other => other,
            })
        })
        .await
    }

    fn unreachable(&self, error: reqwest::Error) -> BackendError {
        match crate::net::transport_error(error) {
            BackendError::Transient { message } => {
                BackendError::transient(format!("Prometheus at {}: {message}", self.shown))
            }
            other => other,
        }
    }
}

fn unix_seconds(at: Timestamp) -> String {
    let millis = at.timestamp_millis();
    format!("{}.{:03}", millis.div_euclid(1000), millis.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_messages() {
        let client = PrometheusClient::new(
            "https://user:secret@prom.example.com/prometheus",
            Some(Token::new("tok-123".into())),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(client.url(), "https://prom.example.com/prometheus");
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("tok-123") && !debug.contains("secret"),
            "{debug}"
        );
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(PrometheusClient::new("ftp://x", None, Duration::from_secs(1)).is_err());
        assert!(PrometheusClient::new("not a url", None, Duration::from_secs(1)).is_err());
    }

    #[test]
    fn times_are_unix_seconds_with_millis() {
        let at = Timestamp::from_timestamp_millis(1_700_000_000_250).unwrap();
        assert_eq!(unix_seconds(at), "1700000000.250");
    }
}
