//! One HTTP client for Unkey's v2 API: every call is `POST /v2/<group>.<operation>` with a
//! JSON body and the root key as a bearer token.
//!
//! Reads are shared through the kit's [`Coalesce`], keyed by call path and body: the reads
//! that prepare a write (the app, the target, the live deployment, the domains) look at one
//! snapshot for a short window instead of asking Unkey again. Any operation call makes that
//! snapshot stale. Which calls are sent again is the kit's replay rule, stated per call.

use super::api::{Envelope, ErrorEnvelope};
use super::config::RootKey;
use super::errors::{CallContext, Origin, from_status};
use crate::backend::BackendError;
use crate::net::{
    Coalesce, Replay, RetryPolicy, decode_json, excerpt, read_limited, retrying, transport_error,
};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Distinct reads whose last answer is kept.
const KEPT_READS: usize = 256;

pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    key: RootKey,
    token_env: String,
    retry: RetryPolicy,
    max_body_bytes: usize,
    reads: Coalesce<Bytes>,
}

impl ApiClient {
    pub fn new(
        http: reqwest::Client,
        base_url: String,
        key: RootKey,
        token_env: String,
        retry: RetryPolicy,
        max_body_bytes: usize,
        reads_shared_for: Duration,
    ) -> Self {
        Self {
            http,
            base_url,
            key,
            token_env,
            retry,
            max_body_bytes,
            reads: Coalesce::new(KEPT_READS, reads_shared_for),
        }
    }

    /// A call; a read may be answered from the shared snapshot.
    pub async fn call<B, T>(
        &self,
        call: &CallContext,
        body: &B,
    ) -> Result<Envelope<T>, BackendError>
    where
        B: Serialize + Sync,
        T: DeserializeOwned,
    {
        self.call_within(call, body, None).await
    }

    /// Drops every read kept for sharing: they are known to be out of date (the live
    /// deployment moved under them).
    pub fn forget_reads(&self) {
        self.reads.invalidate();
    }

    /// A call whose answer must be Unkey's as of now (the check right before a write, the
    /// looks that follow an operation): a read is shared only with an identical one in
    /// flight.
    pub async fn call_now<B, T>(
        &self,
        call: &CallContext,
        body: &B,
    ) -> Result<Envelope<T>, BackendError>
    where
        B: Serialize + Sync,
        T: DeserializeOwned,
    {
        self.call_within(call, body, Some(Duration::ZERO)).await
    }

    async fn call_within<B, T>(
        &self,
        call: &CallContext,
        body: &B,
        max_age: Option<Duration>,
    ) -> Result<Envelope<T>, BackendError>
    where
        B: Serialize + Sync,
        T: DeserializeOwned,
    {
        let json = serde_json::to_vec(body)
            .map_err(|e| BackendError::invalid(format!("cannot encode the request: {e}")))?;
        if call.replay.is_operation() {
            let what = format!("the request to {}", call.doing);
            let result = retrying(call.replay, &self.retry, &what, |_| {
                self.once(call, json.clone())
            })
            .await;
            self.reads.invalidate();
            return decode_json(&result?, call.path);
        }
        let key = format!("{} {}", call.path, String::from_utf8_lossy(&json));
        let mut decoded: Option<Envelope<T>> = None;
        let (slot, json) = (&mut decoded, &json);
        let fetch = move |_previous: Option<Bytes>| {
            let decoded = slot;
            async move {
                let bytes = retrying(Replay::Read, &self.retry, &call.doing, |_| {
                    self.once(call, json.clone())
                })
                .await?;
                // An answer that does not decode is not kept for others.
                *decoded = Some(decode_json(&bytes, call.path)?);
                Ok::<_, BackendError>(bytes)
            }
        };
        let bytes = match max_age {
            Some(max_age) => self.reads.get_within(&key, max_age, fetch).await?,
            None => self.reads.get(&key, fetch).await?,
        };
        match decoded {
            Some(envelope) => Ok(envelope),
            None => decode_json(&bytes, call.path),
        }
    }

    async fn once(&self, call: &CallContext, json: Vec<u8>) -> Result<Bytes, BackendError> {
        let url = format!("{}/v2/{}", self.base_url, call.path);
        let response = self
            .http
            .post(&url)
            .bearer_auth(self.key.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(json)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = read_limited(response, self.max_body_bytes).await?;
        if status.is_success() {
            return Ok(Bytes::from(bytes));
        }
        let problem = serde_json::from_slice::<ErrorEnvelope>(&bytes)
            .ok()
            .map(|e| e.error);
        if problem.is_none() {
            tracing::debug!(path = call.path, status = status.as_u16(), body = %excerpt(&bytes), "error without a problem body");
        }
        Err(from_status(
            status,
            &headers,
            problem.as_ref(),
            call,
            &Origin {
                base_url: &self.base_url,
                token_env: &self.token_env,
            },
        )
        .redacted())
    }
}
