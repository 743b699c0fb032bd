//! `switchback serve`: any [`Backend`] over the documented HTTP contract
//! (`docs/openapi.yaml`), with bearer tokens for two roles, ETags, idempotent operations,
//! an access log, `/healthz` and `/metrics`.

mod access_log;
mod auth;
mod demo;
mod etag;
mod extract;
mod idempotency;
mod json;
mod metrics;
mod operations;
mod problem;
mod reads;
mod start;

pub use auth::Tokens;
pub use metrics::{TrafficSample, TrafficSource};
pub use start::{ServeArgs, TokenError, resolve_tokens, run};

use crate::backend::Backend;
use crate::backend::Platform;
use crate::backend::http::PLATFORM_NOW;
use crate::domain::EnvRef;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use idempotency::IdempotencyStore;
use problem::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Request bodies larger than this are refused (operation bodies are a few hundred bytes).
const MAX_REQUEST_BODY: usize = 64 * 1024;
/// Idempotency keys remembered (the oldest are forgotten first).
const REMEMBERED_KEYS: usize = 10_000;

/// What every handler shares.
#[derive(Clone)]
pub struct ServeState {
    backend: Platform,
    tokens: Arc<Tokens>,
    traffic: Option<Arc<dyn TrafficSource>>,
    idempotency: Arc<IdempotencyStore>,
    /// Operations in one environment run one at a time, so two racing requests with the
    /// same `expected_live` give one success and one conflict.
    env_locks: Arc<Mutex<HashMap<EnvRef, Arc<tokio::sync::Mutex<()>>>>>,
}

impl ServeState {
    pub fn new(backend: impl Into<Platform>, tokens: Tokens) -> Self {
        Self {
            backend: backend.into(),
            tokens: Arc::new(tokens),
            traffic: None,
            idempotency: Arc::new(IdempotencyStore::new(REMEMBERED_KEYS)),
            env_locks: Arc::default(),
        }
    }

    /// Where `/metrics` reads its counters.
    pub fn with_traffic(mut self, traffic: Arc<dyn TrafficSource>) -> Self {
        self.traffic = Some(traffic);
        self
    }

    fn env_lock(&self, env: &EnvRef) -> Arc<tokio::sync::Mutex<()>> {
        self.env_locks
            .lock()
            .expect("env locks")
            .entry(env.clone())
            .or_default()
            .clone()
    }
}

/// The whole HTTP surface. Tests serve it on a loopback listener.
pub fn router(state: ServeState) -> Router {
    const ENV: &str = "/v1/projects/{project}/environments/{environment}";
    let route = |suffix: &str| format!("{ENV}{suffix}");
    let api = Router::new()
        .route("/v1/whoami", get(reads::whoami))
        .route("/v1/capabilities", get(reads::capabilities))
        .route("/v1/projects", get(reads::projects))
        .route(
            "/v1/projects/{project}/environments",
            get(reads::environments),
        )
        .route(ENV, get(reads::environment))
        .route(&route("/deployments"), get(reads::deployments))
        .route(&route("/deployments/{deployment}"), get(reads::deployment))
        .route(&route("/deployments/{deployment}/diff"), get(reads::diff))
        .route(
            &route("/deployments/{deployment}/domains"),
            get(reads::domains),
        )
        .route(
            &route("/deployments/{deployment}/actions"),
            get(reads::actions),
        )
        .route(&route("/operations"), get(reads::operations))
        .route(&route("/operations/{operation}"), get(reads::operation))
        .route(&route("/live-history"), get(reads::live_history))
        .route(&route("/error-rate"), get(reads::error_rate))
        .route(&route("/rollback"), post(operations::rollback))
        .route(&route("/promote"), post(operations::promote))
        .route(&route("/redeploy"), post(operations::redeploy))
        .layer(from_fn(etag::conditional_get))
        .route_layer(from_fn_with_state(state.tokens.clone(), auth::authenticate))
        .with_state(state.clone());
    let backend = state.backend.backend.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_text))
        .with_state(state)
        .merge(api)
        .fallback(|| async {
            ApiError::custom(
                404,
                "not_found",
                "Not found",
                "no such resource in this API",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(from_fn_with_state(backend, platform_now))
        .layer(from_fn(access_log::access_log))
}

/// Every answer says what time it is at the platform (the demo's clock may run faster),
/// so clients measure metric windows and ages on the platform's clock.
async fn platform_now(
    State(backend): State<Arc<dyn Backend>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    let now = backend
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if let Ok(value) = axum::http::HeaderValue::from_str(&now) {
        response.headers_mut().insert(PLATFORM_NOW, value);
    }
    response
}

async fn metrics_text(State(state): State<ServeState>) -> impl IntoResponse {
    let text = match &state.traffic {
        Some(traffic) => metrics::render(traffic),
        None => "# EOF\n".to_owned(),
    };
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
}
