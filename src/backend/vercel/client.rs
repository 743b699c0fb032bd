//! One HTTP client for Vercel's REST API: the token as a bearer, the team on every call
//! (`teamId` or `slug`), reads shared through the kit's [`Coalesce`] keyed by path and query,
//! writes sent under the kit's replay rule and making every kept read stale.

use super::VercelSettings;
use super::api;
use super::config::{TeamScope, Token};
use super::errors::{self, Call};
use crate::backend::BackendError;
use crate::net::{
    Coalesce, Replay, RetryPolicy, decode_json, read_limited, retrying, transport_error,
};
use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Distinct reads whose last answer is kept.
const KEPT_READS: usize = 512;

/// A query: name and value pairs, in order.
pub type Query = Vec<(&'static str, String)>;

/// One answer to a write: the status and the body (often empty: a rollback answers `201`
/// with nothing at all).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    token: Token,
    token_env: String,
    scope: Option<TeamScope>,
    retry: RetryPolicy,
    max_body_bytes: usize,
    reads: Coalesce<Bytes>,
    /// Set once a call succeeded: a `403` after that is a refusal, not a bad token.
    token_proven: AtomicBool,
}

/// Percent-encodes one path segment: ids, names and deployment hosts pass unchanged.
pub fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl ApiClient {
    pub fn new(http: reqwest::Client, settings: &VercelSettings) -> Self {
        Self {
            http,
            base_url: settings.base_url.trim_end_matches('/').to_owned(),
            token: settings.token.clone(),
            token_env: settings.token_env.clone(),
            scope: settings.team.clone(),
            retry: settings.retry.clone(),
            max_body_bytes: settings.http.max_body_bytes,
            reads: Coalesce::new(KEPT_READS, settings.reads_shared_for),
            token_proven: AtomicBool::new(false),
        }
    }

    pub fn scope(&self) -> Option<&TeamScope> {
        self.scope.as_ref()
    }

    /// A read, answered from the shared snapshot when one is fresh.
    pub async fn get<T: DeserializeOwned>(
        &self,
        call: &Call,
        path: &str,
        query: Query,
    ) -> Result<T, BackendError> {
        self.read(call, path, query, None, true).await
    }

    /// A read of something the path names outright (the team itself): no team parameter.
    pub async fn get_unscoped<T: DeserializeOwned>(
        &self,
        call: &Call,
        path: &str,
    ) -> Result<T, BackendError> {
        self.read(call, path, Vec::new(), None, false).await
    }

    /// A read whose answer must be Vercel's as of now (the check right before a write, the
    /// looks that follow an operation): shared only with an identical read in flight.
    pub async fn get_now<T: DeserializeOwned>(
        &self,
        call: &Call,
        path: &str,
        query: Query,
    ) -> Result<T, BackendError> {
        self.read(call, path, query, Some(Duration::ZERO), true)
            .await
    }

    /// Drops every read kept for sharing: they are known to be out of date.
    pub fn forget_reads(&self) {
        self.reads.invalidate();
    }

    async fn read<T: DeserializeOwned>(
        &self,
        call: &Call,
        path: &str,
        query: Query,
        max_age: Option<Duration>,
        scoped: bool,
    ) -> Result<T, BackendError> {
        let key = format!(
            "{path}?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        );
        let fetch = |_previous: Option<Bytes>| async {
            let answer = retrying(Replay::Read, &self.retry, &call.doing, |_| {
                self.once(call, Method::GET, path, &query, None, scoped)
            })
            .await?;
            // An answer that is not JSON is not kept for others.
            decode_json::<serde::de::IgnoredAny>(&answer.body, path)?;
            Ok::<_, BackendError>(answer.body)
        };
        let bytes = match max_age {
            Some(max_age) => self.reads.get_within(&key, max_age, fetch).await?,
            None => self.reads.get(&key, fetch).await?,
        };
        decode_json(&bytes, path)
    }

    /// The token's user: `GET /v2/user`, never scoped to the team (as Vercel's CLI asks it).
    pub async fn user(&self) -> Result<api::User, BackendError> {
        let call = Call::read("read the token's user", "the token's user");
        let none = Vec::new();
        let answer = retrying(Replay::Read, &self.retry, &call.doing, |_| {
            self.once(&call, Method::GET, "/v2/user", &none, None, false)
        })
        .await?;
        Ok(decode_json::<api::UserAnswer>(&answer.body, "/v2/user")?.user)
    }

    /// A read asked with a POST (a query with a body): sent again like any read, never
    /// shared, and it makes nothing stale.
    pub async fn post_read<T: DeserializeOwned>(
        &self,
        call: &Call,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, BackendError> {
        let json = serde_json::to_vec(body)
            .map_err(|e| BackendError::invalid(format!("cannot encode the request: {e}")))?;
        let none = Vec::new();
        let answer = retrying(Replay::Read, &self.retry, &call.doing, |_| {
            self.once(call, Method::POST, path, &none, Some(json.clone()), true)
        })
        .await?;
        decode_json(&answer.body, path)
    }

    /// An operation: sent under `call.replay` (never again after a possible execution),
    /// with a JSON body. Every kept read is stale afterwards, whatever the outcome.
    pub async fn write(
        &self,
        call: &Call,
        method: Method,
        path: &str,
        query: Query,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, BackendError> {
        let json = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| BackendError::invalid(format!("cannot encode the request: {e}")))?;
        let what = format!("the request to {}", call.doing);
        let result = retrying(call.replay, &self.retry, &what, |_| {
            self.once(call, method.clone(), path, &query, json.clone(), true)
        })
        .await;
        self.reads.invalidate();
        result
    }

    async fn once(
        &self,
        call: &Call,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
        scoped: bool,
    ) -> Result<Answer, BackendError> {
        let (status, headers, bytes) = self.send(method, path, query, body, scoped).await?;
        if (200..300).contains(&status.as_u16()) {
            self.token_proven.store(true, Ordering::Relaxed);
            return Ok(Answer {
                status: status.as_u16(),
                body: Bytes::from(bytes),
            });
        }
        let error = errors::from_status(status, &headers, &bytes, call).redacted();
        if status.as_u16() == 403 && !self.token_proven.load(Ordering::Relaxed) {
            return Err(self.tell_bad_token(error).await);
        }
        Err(error)
    }

    /// A `403` before the token ever worked: ask `/v2/user` as Vercel's CLI does. Refused
    /// there too, the token itself is bad; otherwise the refusal stands.
    async fn tell_bad_token(&self, refusal: BackendError) -> BackendError {
        match self
            .send(Method::GET, "/v2/user", &Vec::new(), None, false)
            .await
        {
            Ok((status, _, _)) if status.as_u16() == 403 || status.as_u16() == 401 => {
                errors::bad_token(&self.token_env)
            }
            Ok((status, _, _)) if status.is_success() => {
                self.token_proven.store(true, Ordering::Relaxed);
                refusal
            }
            _ => refusal,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
        scoped: bool,
    ) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), BackendError> {
        let url = format!("{}{path}", self.base_url);
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(self.token.expose());
        let mut params: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if scoped && let Some(scope) = &self.scope {
            params.push(scope.param());
        }
        if !params.is_empty() {
            request = request.query(&params);
        }
        if let Some(json) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = read_limited(response, self.max_body_bytes).await?;
        Ok((status, headers, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_ids_and_hosts_and_escape_the_rest() {
        assert_eq!(segment("dpl_2euZBFqx"), "dpl_2euZBFqx");
        assert_eq!(
            segment("shop-9jaeg38me.vercel.app"),
            "shop-9jaeg38me.vercel.app"
        );
        assert_eq!(segment("a/b?c"), "a%2Fb%3Fc");
    }
}
