//! One HTTP client for Temps' API under `/api`, with the key as a bearer token.
//!
//! Reads are shared through the kit's [`Coalesce`], keyed by URL: the reads that prepare a
//! write look at one snapshot for a short window. A write makes every kept answer stale.
//! Which calls are sent again is the kit's replay rule, stated per call; nothing Temps is
//! asked to do is sent twice after an unclear answer (it takes no idempotency key).

use super::config::ApiKey;
use super::errors::{CallContext, detail, from_status};
use crate::backend::BackendError;
use crate::net::{Coalesce, Replay, RetryPolicy, decode_json, read_limited, retrying};
use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Distinct reads whose last answer is kept.
const KEPT_READS: usize = 256;

/// How fresh a read must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fresh {
    /// An answer from the shared window is good enough.
    Shared,
    /// Temps' answer as of now (the check right before a write, the looks after one): shared
    /// only with an identical read in flight.
    Now,
}

/// One request: where, what for, and whether its answer carries secrets.
#[derive(Clone, Debug)]
pub struct Call {
    /// After `/api`, already encoded: `/projects/1/deployments`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub context: CallContext,
    /// The answer may hold secrets (a job's `job_config`): a body that does not decode is
    /// reported without an excerpt.
    pub secrets: bool,
}

impl Call {
    pub fn new(
        path: impl Into<String>,
        doing: impl Into<String>,
        permission: &'static str,
        subject: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            query: Vec::new(),
            context: CallContext {
                doing: doing.into(),
                permission,
                subject: subject.into(),
            },
            secrets: false,
        }
    }

    pub fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub fn carrying_secrets(mut self) -> Self {
        self.secrets = true;
        self
    }
}

pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    key: ApiKey,
    token_env: String,
    retry: RetryPolicy,
    max_body_bytes: usize,
    reads: Coalesce<Bytes>,
}

impl ApiClient {
    pub fn new(
        http: reqwest::Client,
        base: String,
        key: ApiKey,
        token_env: String,
        retry: RetryPolicy,
        max_body_bytes: usize,
        reads_shared_for: Duration,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key,
            token_env,
            retry,
            max_body_bytes,
            reads: Coalesce::new(KEPT_READS, reads_shared_for),
        }
    }

    fn url(&self, call: &Call) -> Result<Url, BackendError> {
        let mut url = Url::parse(&format!("{}{}", self.base, call.path))
            .map_err(|e| BackendError::invalid(format!("bad Temps URL: {e}")))?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// A GET decoded as JSON.
    pub async fn get<T: DeserializeOwned>(
        &self,
        call: &Call,
        fresh: Fresh,
    ) -> Result<T, BackendError> {
        let bytes = self.get_bytes(call, fresh).await?;
        decode(&bytes, call)
    }

    /// A GET read as text (job logs are `text/plain` holding JSON lines).
    pub async fn get_text(&self, call: &Call, fresh: Fresh) -> Result<String, BackendError> {
        let bytes = self.get_bytes(call, fresh).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn get_bytes(&self, call: &Call, fresh: Fresh) -> Result<Bytes, BackendError> {
        let url = self.url(call)?;
        let fetch = |_previous: Option<Bytes>| {
            let url = url.clone();
            async move {
                retrying(Replay::Read, &self.retry, &call.context.doing, |_| {
                    self.once(Method::GET, url.clone(), None, None, call)
                })
                .await
            }
        };
        match fresh {
            Fresh::Shared => self.reads.get(url.as_str(), fetch).await,
            Fresh::Now => {
                self.reads
                    .get_within(url.as_str(), Duration::ZERO, fetch)
                    .await
            }
        }
    }

    /// A POST that asks Temps to do something: sent once (again only after a `429`, which
    /// is a refusal before anything happened); a timeout, a `5xx` or a lost answer becomes
    /// "may have happened". `timeout` replaces the client's for this call.
    pub async fn post<T: DeserializeOwned>(
        &self,
        call: &Call,
        body: Option<Vec<u8>>,
        timeout: Option<Duration>,
        what: &str,
    ) -> Result<T, BackendError> {
        let url = self.url(call)?;
        let result = retrying(Replay::Once, &self.retry, what, |_| {
            self.once(Method::POST, url.clone(), body.clone(), timeout, call)
        })
        .await;
        // Whatever came back, what was kept may show the world before the write.
        self.reads.invalidate();
        let bytes = result?;
        decode(&bytes, call).map_err(|error| Replay::Once.outcome(error, what))
    }

    /// Everything kept is out of date (the live deployment moved under it).
    pub fn forget_reads(&self) {
        self.reads.invalidate();
    }

    async fn once(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        timeout: Option<Duration>,
        call: &Call,
    ) -> Result<Bytes, BackendError> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(self.key.expose());
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = read_limited(response, self.max_body_bytes).await?;
        if status.is_success() {
            return Ok(Bytes::from(bytes));
        }
        let (text, problem) = detail(status, &content_type, &bytes);
        Err(from_status(
            status,
            &headers,
            &text,
            problem.as_ref(),
            &call.context,
            &self.token_env,
        )
        .redacted())
    }
}

/// The kit's reading of a failure to get an answer, with a dropped connection said plainly
/// (Temps drops it, for one, when a handler panics).
fn transport(error: reqwest::Error) -> BackendError {
    let dropped = !error.is_timeout() && !error.is_connect() && error.is_request();
    match crate::net::transport_error(error) {
        BackendError::Transient { message } if dropped => BackendError::transient(format!(
            "the connection closed without an answer ({message})"
        )),
        other => other,
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8], call: &Call) -> Result<T, BackendError> {
    decode_json(bytes, &call.context.doing).map_err(|error| match error {
        BackendError::Decode { message, .. } if call.secrets => BackendError::Decode {
            message,
            excerpt: None,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Jobs {
        jobs: Vec<super::super::api::Job>,
    }

    #[test]
    fn an_answer_carrying_secrets_that_does_not_decode_keeps_no_excerpt() {
        let body = br#"{"jobs":[{"job_config":{"TEMPS_API_TOKEN":"dt_canary"},"job_id":7}]}"#;
        let plain = Call::new("/x", "list the jobs", "deployments:read", "d1");
        let Err(BackendError::Decode { excerpt, .. }) = decode::<Jobs>(body, &plain) else {
            panic!("does not decode");
        };
        assert!(
            excerpt.unwrap().contains("dt_canary"),
            "the kit keeps an excerpt"
        );
        let secret = plain.carrying_secrets();
        let error = decode::<Jobs>(body, &secret).unwrap_err();
        assert!(!format!("{error:?}").contains("dt_canary"), "{error:?}");
        assert!(error.to_string().contains("jobs[0].job_id"), "{error}");
    }
}
