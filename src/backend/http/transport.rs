//! Sending requests to a contract server: the token, conditional and shared GETs with
//! retries, operations re-sent only with their idempotency key, and every failure typed.

use super::wire::{IDEMPOTENCY_KEY, PROBLEM_JSON, Problem};
use crate::backend::BackendError;
use crate::net::{
    Coalesce, HttpSettings, Replay, RetryPolicy, decode_json, error_for_status, excerpt,
    parse_retry_after, read_limited, retrying, transport_error,
};
use bytes::Bytes;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_NONE_MATCH,
};
use reqwest::{StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Mutex;
use std::time::Duration;

/// The server's own clock, sent on every answer (the demo may run faster than real time).
pub const PLATFORM_NOW: &str = "platform-now";

/// URLs whose last answer is kept for conditional GETs.
const CACHED_URLS: usize = 512;

/// The last answer to a URL that decoded, kept to revalidate with its ETag.
#[derive(Clone, Debug)]
struct Cached {
    etag: Option<String>,
    body: Bytes,
}

pub struct Transport {
    client: reqwest::Client,
    base: Url,
    /// `Bearer …`, marked sensitive so it never shows in debug output.
    authorization: Option<HeaderValue>,
    settings: HttpSettings,
    retry: RetryPolicy,
    /// Every GET is revalidated (no freshness window): identical GETs in flight share one
    /// request, and the ETag makes a repeat cheap.
    reads: Coalesce<Cached>,
    /// Platform time minus local time, from the last answer.
    clock_offset: Mutex<Option<chrono::TimeDelta>>,
    /// The variable the token came from (never the token): a refusal names it.
    token_env: Option<String>,
}

impl Transport {
    pub fn new(
        client: reqwest::Client,
        base: Url,
        token: Option<String>,
        settings: HttpSettings,
        retry: RetryPolicy,
    ) -> Result<Self, BackendError> {
        let authorization = token
            .map(|token| {
                crate::net::secrets::register(&token);
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                        BackendError::invalid("the token holds characters a header cannot carry")
                    })?;
                value.set_sensitive(true);
                Ok::<_, BackendError>(value)
            })
            .transpose()?;
        Ok(Self {
            client,
            base,
            authorization,
            settings,
            retry,
            reads: Coalesce::new(CACHED_URLS, Duration::ZERO),
            clock_offset: Mutex::new(None),
            token_env: None,
        })
    }

    /// Names the variable the token comes from, for the words of a refused token.
    pub fn with_token_env(mut self, var: Option<String>) -> Self {
        self.token_env = var;
        self
    }

    /// A refused token, in words that name the platform's URL and the variable the token
    /// came from (and never call it unreachable).
    fn explain(&self, error: BackendError) -> BackendError {
        let BackendError::Unauthorized { message } = error else {
            return error;
        };
        let base = self.base.as_str().trim_end_matches('/');
        let message = match &self.token_env {
            Some(var) => format!(
                "the platform at {base} refused the token in ${var} ({message}); check that it is current"
            ),
            None => format!(
                "the platform at {base} wants a token ({message}); name the variable that holds it with `token-env` in this [[backends]] entry"
            ),
        };
        BackendError::Unauthorized { message }
    }

    /// The base URL with `path` (already encoded) and `query` appended.
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// The platform's clock as of the last answer, or the local one.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let offset = *self.clock_offset.lock().unwrap_or_else(|p| p.into_inner());
        chrono::Utc::now() + offset.unwrap_or_default()
    }

    /// A GET decoded as `T`: revalidated with its ETag, shared with identical GETs in
    /// flight, sent again when the failure is transient. An answer that does not decode is
    /// not kept.
    pub async fn get<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T, BackendError> {
        let mut decoded: Option<T> = None;
        let kept = self
            .reads
            .get(url.as_str(), |previous: Option<Cached>| {
                let (url, decoded) = (&url, &mut decoded);
                async move {
                    let etag = previous.as_ref().and_then(|c| c.etag.clone());
                    let answer = retrying(Replay::Read, &self.retry, what, |_| {
                        self.get_once(url, etag.clone(), what)
                    })
                    .await?;
                    let cached = match (answer, previous) {
                        (GetAnswer::Fresh { etag, body }, _) => Cached { etag, body },
                        (GetAnswer::NotModified, Some(previous)) => previous,
                        (GetAnswer::NotModified, None) => {
                            return Err(BackendError::Decode {
                                message: format!(
                                    "{what}: 304 Not Modified for a request without an ETag"
                                ),
                                excerpt: None,
                            });
                        }
                    };
                    *decoded =
                        Some(decode_json(&cached.body, what).inspect_err(|e| log_decode(url, e))?);
                    Ok(cached)
                }
            })
            .await?;
        match decoded {
            Some(value) => Ok(value),
            // Another caller's request, shared.
            None => decode_json(&kept.body, what),
        }
    }

    async fn get_once(
        &self,
        url: &Url,
        etag: Option<String>,
        what: &str,
    ) -> Result<GetAnswer, BackendError> {
        let mut request = self
            .authorized(self.client.get(url.clone()))
            .header(ACCEPT, "application/json, application/problem+json");
        if let Some(tag) = etag {
            request = request.header(IF_NONE_MATCH, tag);
        }
        let response = request.send().await.map_err(transport_error)?;
        self.note_platform_time(response.headers());
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(GetAnswer::NotModified);
        }
        let headers = response.headers().clone();
        let body = read_limited(response, self.settings.max_body_bytes)
            .await
            .inspect_err(|e| log_failure(url, e))?;
        if status.is_success() {
            let etag = headers
                .get(ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            return Ok(GetAnswer::Fresh {
                etag,
                body: Bytes::from(body),
            });
        }
        Err(self.explain(typed_error(url, status, &headers, &body, what)))
    }

    /// An operation request: re-sent after a transient failure only with the same
    /// idempotency key (the contract honours it), so the server performs it at most once;
    /// without a clear answer in the end it may have happened. Kept reads are stale after.
    pub async fn post_operation<B: Serialize, T: DeserializeOwned>(
        &self,
        url: Url,
        body: &B,
        idempotency_key: &str,
        action: &str,
    ) -> Result<T, BackendError> {
        let json = serde_json::to_vec(body)
            .map_err(|e| BackendError::invalid(format!("cannot encode the request: {e}")))?;
        let key = HeaderValue::from_str(idempotency_key)
            .map_err(|_| BackendError::invalid("the idempotency key is not a valid header"))?;
        let what = format!("the {action}");
        let result = retrying(Replay::SameKey, &self.retry, &what, |attempt| {
            if attempt > 0 {
                tracing::info!(
                    url = url.path(),
                    attempt,
                    "re-sending the operation with the same idempotency key"
                );
            }
            self.post_once(&url, json.clone(), key.clone(), action)
        })
        .await;
        self.reads.invalidate();
        result
    }

    async fn post_once<T: DeserializeOwned>(
        &self,
        url: &Url,
        json: Vec<u8>,
        key: HeaderValue,
        action: &str,
    ) -> Result<T, BackendError> {
        let response = self
            .authorized(self.client.post(url.clone()))
            .header(ACCEPT, "application/json, application/problem+json")
            .header(CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_KEY, key)
            .body(json)
            .send()
            .await
            .map_err(transport_error)?;
        self.note_platform_time(response.headers());
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(response, self.settings.max_body_bytes)
            .await
            .inspect_err(|e| log_failure(url, e))?;
        if status.is_success() {
            return decode_json(&body, action).inspect_err(|e| log_decode(url, e));
        }
        Err(self.explain(typed_error(url, status, &headers, &body, action)))
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.authorization {
            Some(value) => request.header(AUTHORIZATION, value.clone()),
            None => request,
        }
    }

    fn note_platform_time(&self, headers: &HeaderMap) {
        let Some(platform) = headers
            .get(PLATFORM_NOW)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
        else {
            return;
        };
        let offset = platform.with_timezone(&chrono::Utc) - chrono::Utc::now();
        *self.clock_offset.lock().unwrap_or_else(|p| p.into_inner()) = Some(offset);
    }
}

enum GetAnswer {
    Fresh { etag: Option<String>, body: Bytes },
    NotModified,
}

/// The typed error of a non-success answer: from its problem body when it has one, from
/// the status alone otherwise (an HTML page from a proxy, an empty body).
fn typed_error(
    url: &Url,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    action: &str,
) -> BackendError {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("application/json"));
    let problem = is_json
        .then(|| serde_json::from_slice::<Problem>(body).ok())
        .flatten();
    let error = match problem {
        Some(problem) => problem.into_error(status.as_u16(), parse_retry_after(headers), action),
        None => {
            if !body.is_empty() {
                tracing::warn!(url = url.path(), status = status.as_u16(), excerpt = %excerpt(body), "error answer without a problem body");
            }
            error_for_status(status, headers, "", action)
        }
    };
    tracing::debug!(
        url = url.path(),
        status = status.as_u16(),
        kind = error.kind(),
        "request refused"
    );
    error.redacted()
}

fn log_decode(url: &Url, error: &BackendError) {
    if let BackendError::Decode { message, excerpt } = error {
        tracing::warn!(url = url.path(), %message, excerpt = excerpt.as_deref().unwrap_or(""), "answer does not decode");
    }
}

fn log_failure(url: &Url, error: &BackendError) {
    tracing::warn!(url = url.path(), %error, "reading the answer failed");
}
