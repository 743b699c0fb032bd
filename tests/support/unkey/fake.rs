//! A local Unkey: the v2 calls the adapter makes, over real HTTP on 127.0.0.1, with
//! in-memory projects, apps, environments, deployments, a live pointer and the rolled-back
//! flag. Every request body is checked against the spec's request schema and every answer
//! against the spec's response schema for its status; answers start from the spec's
//! examples where it has them.

use super::fake_api::dispatch;
use super::spec::spec;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const FULL_KEY: &str = "unkey_full_access";
pub const READ_ONLY_KEY: &str = "unkey_read_only";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Full,
    ReadOnly,
}

#[derive(Clone, Debug)]
pub struct FakeProject {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct FakeApp {
    pub project_id: String,
    pub id: String,
    pub slug: String,
    pub current: Option<String>,
    pub rolled_back: bool,
}

#[derive(Clone, Debug)]
pub struct FakeEnv {
    pub app_id: String,
    pub id: String,
    pub slug: String,
    pub kind: &'static str,
}

#[derive(Clone, Debug)]
pub struct FakeDeployment {
    pub id: String,
    pub app_id: String,
    pub env_slug: String,
    pub status: &'static str,
    pub sha: Option<String>,
    pub image: Option<String>,
    pub created_at: i64,
    pub domains: Vec<String>,
    pub memory_mib: u32,
    /// Polls of getDeployment left before a building deployment becomes ready.
    pub builds_for: u32,
}

/// A failure to answer instead of doing the work.
#[derive(Clone, Debug)]
pub struct Scripted {
    pub op: String,
    pub status: u16,
    /// Unkey's problem code (`type`), for 412s.
    pub code: Option<String>,
    pub retry_after: Option<u64>,
    /// How many times; `None` = every time.
    pub times: Option<u32>,
    /// Do the work first, then fail (an answer lost after the change was made).
    pub after_applying: bool,
    /// Do the work, then hold the success answer this long (a client with a shorter
    /// timeout gives up after the change was made). `status` is not used.
    pub stall: Option<std::time::Duration>,
    /// Do the work, then break the connection in the middle of the success answer.
    pub cut_answer: bool,
}

impl Scripted {
    pub fn always(op: &str, status: u16) -> Self {
        Self {
            op: op.to_owned(),
            status,
            code: None,
            retry_after: None,
            times: None,
            after_applying: false,
            stall: None,
            cut_answer: false,
        }
    }

    /// `op` does its work once, then answers after `wait`.
    pub fn stalled(op: &str, wait: std::time::Duration) -> Self {
        Self {
            stall: Some(wait),
            ..Self::once(op, 200)
        }
    }

    /// `op` does its work once, then its answer is cut off mid-body.
    pub fn cut(op: &str) -> Self {
        Self {
            cut_answer: true,
            ..Self::once(op, 200)
        }
    }

    pub fn once(op: &str, status: u16) -> Self {
        Self {
            times: Some(1),
            ..Self::always(op, status)
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pending {
    pub app_id: String,
    pub target: String,
    pub rollback: bool,
    pub polls_left: u32,
}

#[derive(Default)]
pub struct FakeState {
    pub projects: Vec<FakeProject>,
    pub apps: Vec<FakeApp>,
    pub envs: Vec<FakeEnv>,
    /// Oldest first.
    pub deployments: Vec<FakeDeployment>,
    /// (environment id, hostname, status).
    pub custom_domains: Vec<(String, String, &'static str)>,
    pub keys: HashMap<String, Access>,
    pub scripted: Vec<Scripted>,
    /// Builds started by createDeployment fail instead of becoming ready.
    pub builds_fail: bool,
    /// getApp polls after a 202 before the live pointer moves.
    pub switch_after_polls: u32,
    /// The analytics rows to answer with, and the queries received.
    pub analytics_rows: Vec<Value>,
    pub queries: Vec<String>,
    /// Every call: operation and body.
    pub requests: Vec<(String, Value)>,
    /// Rollbacks and promotes accepted and deployments created: what Unkey carried out.
    pub performed: usize,
    /// Calls carried out at once but answered only after a while, one per entry.
    pub late: Vec<(String, Duration)>,
    /// Requests or answers the spec does not allow.
    pub violations: Vec<String>,
    pub pending: Vec<Pending>,
    pub next_id: u32,
    /// Every page of apps says there is more, under a new cursor: a platform that pages
    /// forever.
    pub endless_apps: bool,
}

pub struct Fake {
    pub state: Arc<Mutex<FakeState>>,
    pub base_url: String,
}

impl Fake {
    pub async fn start(state: FakeState) -> Self {
        let state = Arc::new(Mutex::new(state));
        let app = Router::new()
            .route("/v2/{op}", post(handle))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake serves");
        });
        Self {
            state,
            base_url: format!("http://{address}"),
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn calls(&self, op: &str) -> usize {
        self.with(|s| s.requests.iter().filter(|(o, _)| o == op).count())
    }

    pub fn assert_conforms(&self) {
        let violations = self.with(|s| s.violations.clone());
        assert!(
            violations.is_empty(),
            "spec violations:\n{}",
            violations.join("\n")
        );
    }
}

fn answer(
    op: &str,
    status: u16,
    body: Value,
    retry_after: Option<u64>,
    state: &mut FakeState,
) -> Response {
    state
        .violations
        .extend(spec().check_response(op, status, &body));
    let content_type = if status == 429 {
        "application/problem+json"
    } else {
        "application/json"
    };
    let mut response = (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, content_type)],
        body.to_string(),
    )
        .into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.to_string().parse().unwrap());
    }
    response
}

pub fn meta() -> Value {
    json!({ "requestId": "req_fake0001" })
}

/// An error body: the spec's example for this operation and status when it has one, else
/// one built to the error schema.
pub fn error_body(op: &str, status: u16, detail: &str, code: Option<&str>) -> Value {
    let mut body = spec().example(op, status).unwrap_or_else(|| {
        json!({ "meta": meta(), "error": { "title": "Error", "detail": "", "status": status, "type": "" } })
    });
    let error = &mut body["error"];
    error["status"] = json!(status);
    if error["detail"].as_str().unwrap_or("").is_empty() || !detail.is_empty() {
        error["detail"] = json!(detail);
    }
    if let Some(code) = code {
        error["type"] = json!(format!(
            "https://unkey.com/docs/errors/unkey/application/{code}"
        ));
    } else if error["type"].as_str().unwrap_or("").is_empty() {
        error["type"] = json!(format!("https://unkey.com/docs/errors/fake/{status}"));
    }
    if status == 400 && error.get("errors").is_none() {
        error["errors"] = json!([]);
    }
    body
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    Path(op): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let late = {
        let mut s = state.lock().unwrap();
        let index = s.late.iter().position(|(late_op, _)| *late_op == op);
        index.map(|i| s.late.remove(i).1)
    };
    let (response, stall) = respond(&state, &op, &headers, &bytes);
    if let Some(wait) = late.or(stall) {
        tokio::time::sleep(wait).await;
    }
    response
}

/// The answer to one call, and how long to hold it.
fn respond(
    state: &Mutex<FakeState>,
    op: &str,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> (Response, Option<std::time::Duration>) {
    let mut s = state.lock().unwrap();
    let body: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    s.requests.push((op.to_owned(), body.clone()));
    let problems = spec().check_request(op, &body);
    if !problems.is_empty() {
        s.violations.extend(problems.iter().cloned());
        let detail = problems.join("; ");
        return (
            answer(op, 400, error_body(op, 400, &detail, None), None, &mut s),
            None,
        );
    }
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let Some(access) = s.keys.get(key).copied() else {
        let body = error_body(op, 401, "The root key is invalid.", None);
        return (answer(op, 401, body, None, &mut s), None);
    };
    let scripted = s.scripted.iter().position(|f| f.op == op).map(|index| {
        let found = s.scripted[index].clone();
        if let Some(times) = found.times {
            if times <= 1 {
                s.scripted.remove(index);
            } else {
                s.scripted[index].times = Some(times - 1);
            }
        }
        found
    });
    let Some(scripted) = scripted else {
        let (status, body) = dispatch(op, &body, access, &mut s);
        return (answer(op, status, body, None, &mut s), None);
    };
    let applies_first = scripted.after_applying || scripted.stall.is_some() || scripted.cut_answer;
    if !applies_first {
        let body = error_body(
            op,
            scripted.status,
            "scripted failure",
            scripted.code.as_deref(),
        );
        return (
            answer(op, scripted.status, body, scripted.retry_after, &mut s),
            None,
        );
    }
    let (status, body) = dispatch(op, &body, access, &mut s);
    if scripted.stall.is_some() {
        return (answer(op, status, body, None, &mut s), scripted.stall);
    }
    if scripted.cut_answer {
        s.violations
            .extend(spec().check_response(op, status, &body));
        let text = body.to_string();
        let half = Bytes::from(text.as_bytes()[..text.len() / 2].to_vec());
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(half), Err(std::io::Error::other("connection lost"))];
        let response = (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            axum::body::Body::from_stream(futures::stream::iter(chunks)),
        )
            .into_response();
        return (response, None);
    }
    let body = error_body(op, scripted.status, "lost answer", scripted.code.as_deref());
    (
        answer(op, scripted.status, body, scripted.retry_after, &mut s),
        None,
    )
}
