//! One HTTP client for Unkey's v2 API: every call is `POST /v2/<group>.<operation>` with a
//! JSON body and the root key as a bearer token.

use super::api::{Envelope, ErrorEnvelope};
use super::config::RootKey;
use super::errors::{CallContext, from_status};
use crate::backend::BackendError;
use crate::net::{
    RetryPolicy, decode_json, excerpt, read_limited, transport_error, with_retries_when,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    key: RootKey,
    token_env: String,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl ApiClient {
    pub fn new(
        http: reqwest::Client,
        base_url: String,
        key: RootKey,
        token_env: String,
        retry: RetryPolicy,
        max_body_bytes: usize,
    ) -> Self {
        Self {
            http,
            base_url,
            key,
            token_env,
            retry,
            max_body_bytes,
        }
    }

    pub async fn call<B, T>(
        &self,
        call: &CallContext,
        body: &B,
    ) -> Result<Envelope<T>, BackendError>
    where
        B: Serialize + Sync,
        T: DeserializeOwned,
    {
        self.call_counting(call, body).await.0
    }

    /// Like [`Self::call`], also telling how many attempts were made (a caller may read a
    /// refusal on a repeat differently from one on the first try).
    pub async fn call_counting<B, T>(
        &self,
        call: &CallContext,
        body: &B,
    ) -> (Result<Envelope<T>, BackendError>, u32)
    where
        B: Serialize + Sync,
        T: DeserializeOwned,
    {
        let attempts = AtomicU32::new(0);
        let result = with_retries_when(
            &self.retry,
            |error| call.replay.retries(error),
            |_| {
                attempts.fetch_add(1, Ordering::SeqCst);
                self.once(call, body)
            },
        )
        .await;
        (result, attempts.load(Ordering::SeqCst))
    }

    async fn once<B, T>(&self, call: &CallContext, body: &B) -> Result<Envelope<T>, BackendError>
    where
        B: Serialize + Sync,
        T: DeserializeOwned,
    {
        let url = format!("{}/v2/{}", self.base_url, call.path);
        let response = self
            .http
            .post(&url)
            .bearer_auth(self.key.expose())
            .json(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = read_limited(response, self.max_body_bytes).await?;
        if status.is_success() {
            return decode_json(&bytes, call.path);
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
            &self.token_env,
        ))
    }
}
