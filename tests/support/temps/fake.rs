//! A local Temps on 127.0.0.1: every request under `/api` is checked against the spec,
//! answered from the in-memory world as the recorded server answers (problem+json errors,
//! plain-text parse errors, the dropped connection), and counted.

use super::routes::{Answer, Request};
use super::spec::spec;
use super::world::{ADMIN_KEY, FakeState, Scripted};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchback::backend::temps::{ApiKey, TempsBackend, TempsSettings};
use switchback::clock::SharedClock;

pub struct FakeTemps {
    pub state: Arc<Mutex<FakeState>>,
    /// `http://127.0.0.1:<port>`; the API is under `/api`.
    pub url: String,
}

impl FakeTemps {
    pub async fn start(world: FakeState) -> Self {
        let state = Arc::new(Mutex::new(world));
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake serves");
        });
        Self {
            state,
            url: format!("http://{address}"),
        }
    }

    /// The recorded world.
    pub async fn recorded() -> Self {
        Self::start(FakeState::recorded()).await
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// Requests received for `op` (`rollback`, `trigger-pipeline`, `deployments`, …).
    pub fn calls(&self, op: &str) -> usize {
        self.with(|s| s.requests.iter().filter(|r| r.op == op).count())
    }

    /// `op` answers `status` the next `times` times, before doing anything.
    pub fn fail(&self, op: &'static str, status: u16, times: u32) {
        self.with(|s| s.scripted.push(Scripted { op, status, times }));
    }

    /// `op` does its work at once, then holds its answer for `wait`.
    pub fn answer_late(&self, op: &'static str, wait: Duration) {
        self.with(|s| s.late.push((op, wait)));
    }

    pub fn assert_conforms(&self) {
        self.assert_conforms_but(&[]);
    }

    /// As [`Self::assert_conforms`], except violations containing one of `expected`.
    pub fn assert_conforms_but(&self, expected: &[&str]) {
        let mut violations = self.with(|s| s.violations.clone());
        violations.retain(|v| !expected.iter().any(|e| v.contains(e)));
        assert!(
            violations.is_empty(),
            "requests or answers the Temps spec does not allow:\n{}",
            violations.join("\n")
        );
    }

    /// Settings for an adapter on this fake with `key`, waiting `patience` for an answer.
    pub fn settings(&self, key: &str, patience: Duration) -> TempsSettings {
        let mut settings = TempsSettings::new(format!("{}/api", self.url), ApiKey::new(key));
        settings.http.request_timeout = patience;
        settings.retry.base_delay = Duration::from_millis(5);
        settings.retry.max_delay = Duration::from_millis(20);
        settings.min_poll = Duration::ZERO;
        settings
    }

    pub fn adapter(&self, settings: TempsSettings, clock: SharedClock) -> TempsBackend {
        TempsBackend::new(settings, clock).expect("client builds")
    }

    /// An adapter on the admin key, on real time.
    pub fn admin(&self) -> TempsBackend {
        self.adapter(
            self.settings(ADMIN_KEY, Duration::from_secs(5)),
            Arc::new(switchback::clock::SystemClock),
        )
    }
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let (answer, hold) = {
        let mut s = state.lock().unwrap();
        let Some(path) = uri.path().strip_prefix("/api") else {
            s.violations
                .push(format!("{method} {}: not under /api", uri.path()));
            return StatusCode::NOT_FOUND.into_response();
        };
        let path = path.to_owned();
        let query = query_pairs(&uri);
        let body: Option<Value> = if bytes.is_empty() {
            None
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(v) => Some(v),
                Err(e) => {
                    s.violations
                        .push(format!("{method} {path}: body is not JSON: {e}"));
                    None
                }
            }
        };
        let problems = spec().check_request(method.as_str(), &path, &query, body.as_ref());
        s.violations.extend(problems);
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let request = Request {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            key,
            body,
        };
        let routed = s.route(&request);
        s.requests.push(super::world::Seen {
            method: method.to_string(),
            path: path.clone(),
            query,
            op: routed.op,
        });
        if let Answer::Json(status, body) = &routed.answer
            && (200..300).contains(status)
        {
            let problems = spec().check_response(method.as_str(), &path, *status, body);
            s.violations.extend(problems);
        }
        let late = s
            .late
            .iter()
            .position(|(op, _)| *op == routed.op)
            .map(|i| s.late.remove(i).1);
        (routed.answer, late.or(routed.hold))
    };
    if let Some(wait) = hold {
        tokio::time::sleep(wait).await;
    }
    match answer {
        Answer::Json(status, body) => respond(status, "application/json", body.to_string()),
        Answer::Problem(status, body) => {
            respond(status, "application/problem+json", body.to_string())
        }
        Answer::Text(status, text) => respond(status, "text/plain; charset=utf-8", text),
        // Temps' handler panics on a page of 0 or less: no answer at all. Unwinding without
        // the panic hook keeps the test output clean.
        Answer::Drop => std::panic::resume_unwind(Box::new("page or per_page below 1")),
    }
}

fn respond(status: u16, content_type: &'static str, body: String) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}
