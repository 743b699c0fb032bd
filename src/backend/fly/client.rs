//! One HTTP client for Fly's three APIs: the Machines API (`FlyV1` for macaroon tokens),
//! GraphQL (same header) and the releases REST API (always `Bearer`).
//!
//! Reads are shared through the kit's [`Coalesce`] and repeated under its replay rule.
//! Fly takes no idempotency key, so a write is sent once (again only after a `429`, a
//! refusal before anything happened); a timeout or a `5xx` on one is "may have happened".
//! Setting a release's status is idempotent (flyctl repeats it on `5xx`), and so is giving
//! a lease back: those two are repeated like reads.

use super::config::Token;
use super::errors::{Doing, from_status};
use crate::backend::BackendError;
use crate::net::{Coalesce, Replay, RetryPolicy, decode_json, read_limited, retrying};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

/// Distinct reads whose last answer is kept.
const KEPT_READS: usize = 256;

/// The lease nonce header, sent on every call that changes a leased Machine.
pub const NONCE: &str = "fly-machine-lease-nonce";

/// Which of Fly's APIs a call goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `https://api.machines.dev/v1`.
    Machines,
    /// `https://api.fly.io/graphql`.
    GraphQl,
    /// `https://api.fly.io/api/v1`.
    Releases,
    /// `https://api.fly.io/prometheus/<org>`.
    Prometheus,
}

/// One request.
#[derive(Clone, Debug)]
pub struct Call {
    pub api: Api,
    pub method: Method,
    /// After the API's base, already encoded: `/v1/apps/shop/machines`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
    pub nonce: Option<String>,
    pub doing: Doing,
    pub replay: Replay,
}

impl Call {
    pub fn new(api: Api, method: Method, path: impl Into<String>, doing: Doing) -> Self {
        let replay = if method == Method::GET {
            Replay::Read
        } else {
            Replay::Once
        };
        Self {
            api,
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            nonce: None,
            doing,
            replay,
        }
    }

    pub fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn nonce(mut self, nonce: Option<&str>) -> Self {
        self.nonce = nonce.map(str::to_owned);
        self
    }

    /// Sent again after a transient failure: the platform ends in the same state whatever
    /// the number of times it is sent.
    pub fn idempotent(mut self) -> Self {
        self.replay = Replay::Read;
        self
    }
}

pub struct ApiClient {
    http: reqwest::Client,
    api_url: String,
    machines_url: String,
    org: String,
    token: Token,
    token_env: String,
    retry: RetryPolicy,
    max_body_bytes: usize,
    reads: Coalesce<Bytes>,
}

impl ApiClient {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        http: reqwest::Client,
        api_url: &str,
        machines_url: &str,
        org: &str,
        token: Token,
        token_env: String,
        retry: RetryPolicy,
        max_body_bytes: usize,
        reads_shared_for: Duration,
    ) -> Self {
        Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            machines_url: machines_url.trim_end_matches('/').to_owned(),
            org: org.to_owned(),
            token,
            token_env,
            retry,
            max_body_bytes,
            reads: Coalesce::new(KEPT_READS, reads_shared_for),
        }
    }

    fn url(&self, call: &Call) -> Result<Url, BackendError> {
        let base = match call.api {
            Api::Machines => format!("{}/v1", self.machines_url),
            Api::GraphQl => format!("{}/graphql", self.api_url),
            Api::Releases => format!("{}/api/v1", self.api_url),
            Api::Prometheus => format!("{}/prometheus/{}", self.api_url, self.org),
        };
        let mut url = Url::parse(&format!("{base}{}", call.path))
            .map_err(|e| BackendError::invalid(format!("bad Fly URL: {e}")))?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// A read decoded as JSON, shared with identical reads for a short window unless
    /// `fresh`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        call: &Call,
        fresh: bool,
    ) -> Result<T, BackendError> {
        let bytes = self.read_bytes(call, fresh).await?;
        decode_json(&bytes, &call.doing.what)
    }

    /// A GraphQL query (a read): its `data`, or its first error.
    pub async fn graphql(
        &self,
        doing: Doing,
        query: &str,
        variables: Value,
        fresh: bool,
    ) -> Result<Value, BackendError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let call = Call::new(Api::GraphQl, Method::POST, "", doing)
            .body(body)
            .idempotent();
        let bytes = self.read_bytes(&call, fresh).await?;
        let answer: Value = decode_json(&bytes, &call.doing.what)?;
        graphql_data(answer, &self.token_env)
    }

    async fn read_bytes(&self, call: &Call, fresh: bool) -> Result<Bytes, BackendError> {
        let url = self.url(call)?;
        let key = match &call.body {
            Some(body) => format!("{url} {body}"),
            None => url.to_string(),
        };
        let fetch = |_previous: Option<Bytes>| {
            let url = url.clone();
            async move {
                retrying(Replay::Read, &self.retry, &call.doing.what, |_| {
                    self.once(url.clone(), call)
                })
                .await
            }
        };
        if fresh {
            self.reads.get_within(&key, Duration::ZERO, fetch).await
        } else {
            self.reads.get(&key, fetch).await
        }
    }

    /// A call that changes something, under its replay class; every kept read is stale
    /// after it, whatever the answer.
    pub async fn send<T: DeserializeOwned>(&self, call: &Call) -> Result<T, BackendError> {
        let bytes = self.send_bytes(call).await?;
        decode_json(&bytes, &call.doing.what).map_err(|e| call.replay.outcome(e, &call.doing.what))
    }

    /// [`send`](Self::send) for answers whose body does not matter.
    pub async fn send_ignoring_body(&self, call: &Call) -> Result<(), BackendError> {
        self.send_bytes(call).await.map(|_| ())
    }

    async fn send_bytes(&self, call: &Call) -> Result<Bytes, BackendError> {
        let url = self.url(call)?;
        let result = retrying(call.replay, &self.retry, &call.doing.what, |_| {
            self.once(url.clone(), call)
        })
        .await;
        self.reads.invalidate();
        result
    }

    /// The token as Fly's authorize call wants it checked (sent only to Fly).
    pub(super) fn authorization_for_check(&self) -> String {
        self.token.machines_header()
    }

    /// Everything kept is out of date.
    pub fn forget_reads(&self) {
        self.reads.invalidate();
    }

    async fn once(&self, url: Url, call: &Call) -> Result<Bytes, BackendError> {
        let header = match call.api {
            Api::Releases => self.token.bearer_header(),
            _ => self.token.machines_header(),
        };
        let mut authorization = HeaderValue::from_str(&header).map_err(|_| {
            BackendError::invalid("the token holds characters a header cannot carry")
        })?;
        authorization.set_sensitive(true);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .header(AUTHORIZATION, authorization);
        if let Some(nonce) = &call.nonce {
            request = request.header(NONCE, nonce.as_str());
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(crate::net::transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = read_limited(response, self.max_body_bytes).await?;
        if status.is_success() {
            return Ok(Bytes::from(bytes));
        }
        Err(from_status(status, &headers, &bytes, &call.doing, &self.token_env).redacted())
    }
}

/// A GraphQL answer's `data`, or its first error, typed.
pub fn graphql_data(mut answer: Value, token_env: &str) -> Result<Value, BackendError> {
    if let Some(error) = answer["errors"].as_array().and_then(|e| e.first()) {
        let message = error["message"].as_str().unwrap_or("GraphQL error");
        let code = error["extensions"]["code"].as_str().unwrap_or("");
        return Err(match code {
            "UNAUTHORIZED" | "UNAUTHENTICATED" => BackendError::Unauthorized {
                message: format!("{message}; check the token in ${token_env}"),
            },
            "NOT_FOUND" => BackendError::not_found(message.to_owned()),
            _ => BackendError::invalid(format!("Fly GraphQL: {message}")),
        }
        .redacted());
    }
    Ok(answer.get_mut("data").map(Value::take).unwrap_or_default())
}
