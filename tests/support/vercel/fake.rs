//! A local Vercel: the REST calls switchback (and Vercel's own CLI) make, over real HTTP on
//! 127.0.0.1, on a virtual clock shared with the test. Every request is matched to an
//! operation of `../shared/specs/vercel-openapi.json` and checked (query parameters, body,
//! the team scope); every answer is checked against the schema for its status. What does
//! not fit is recorded as a violation, which tests assert away.
//!
//! Where the spec and Vercel's real behaviour differ (`platforms.md` §9), the fake follows
//! the real behaviour and says so where it does: rollback and promote answer with an empty
//! body and no content type; a bad token is a `403`; rate limits carry `Retry-After`.

use super::model::{self, Reply};
use super::spec::spec;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchback::clock::{Clock, VirtualClock};

pub const MEMBER_TOKEN: &str = "vercel_member_token";
pub const VIEWER_TOKEN: &str = "vercel_viewer_token";

pub const PROMOTE: &str = "POST /v10/projects/{projectId}/promote/{deploymentId}";

/// The one path not in the trimmed spec: the observability query Vercel's CLI sends.
pub const OBSERVABILITY: &str = "POST /v2/observability/query";

#[derive(Clone, Debug)]
pub struct FakeUser {
    pub id: String,
    pub username: String,
    /// The team role: `OWNER`, `MEMBER`, `VIEWER`, ...
    pub role: &'static str,
}

#[derive(Clone, Debug)]
pub struct FakeTeam {
    pub id: String,
    pub slug: String,
}

#[derive(Clone, Debug)]
pub struct FakeDomain {
    pub name: String,
    pub git_branch: Option<String>,
    pub redirect: Option<String>,
    pub custom_env: Option<String>,
    pub verified: bool,
}

impl FakeDomain {
    pub fn production(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            git_branch: None,
            redirect: None,
            custom_env: None,
            verified: true,
        }
    }

    /// Serves production: a switch moves it.
    pub fn moves(&self) -> bool {
        self.git_branch.is_none()
            && self.redirect.is_none()
            && self.custom_env.is_none()
            && self.verified
    }
}

/// A rollback or promote as Vercel runs it: its aliases move one at a time, `step_ms` each.
#[derive(Clone, Debug)]
pub struct AliasJob {
    pub rollback: bool,
    pub from: String,
    pub to: String,
    pub requested_at: i64,
    pub hosts: Vec<String>,
    /// Hostnames Vercel fails to move.
    pub failing: Vec<String>,
    pub step_ms: i64,
    /// Its outcome has been carried out.
    pub applied: bool,
}

#[derive(Clone, Debug)]
pub struct FakeRolling {
    pub canary: String,
    pub base: String,
    pub started: i64,
    pub completes: i64,
    pub percentage: f64,
    pub queued: Option<String>,
    pub done: bool,
}

#[derive(Clone, Debug)]
pub struct FakeProject {
    pub id: String,
    pub name: String,
    /// `pro` or `hobby`.
    pub plan: &'static str,
    pub production: Option<String>,
    /// Off while rolled back: new production builds are staged, not given the domains.
    pub auto_assign: bool,
    pub last_request: Option<AliasJob>,
    /// Production's deployments, oldest first (Hobby may roll back to the one before).
    pub history: Vec<String>,
    pub domains: Vec<FakeDomain>,
    /// (id, slug).
    pub custom_envs: Vec<(String, String)>,
    pub rolling: Option<FakeRolling>,
    /// Rolling releases configured for the project.
    pub rolling_configured: bool,
    pub updated_at: i64,
}

#[derive(Clone, Debug)]
pub struct FakeBuild {
    pub started: i64,
    pub duration_ms: i64,
    pub fails: bool,
}

#[derive(Clone, Debug)]
pub struct FakeDeployment {
    pub uid: String,
    pub project_id: String,
    pub name: String,
    pub url: String,
    pub created: i64,
    pub ready_at: Option<i64>,
    /// `QUEUED`, `BUILDING`, `READY`, `ERROR`, `CANCELED`.
    pub state: &'static str,
    /// `STAGED`, `ROLLING`, `PROMOTED` once ready.
    pub substate: Option<&'static str>,
    pub target: Option<&'static str>,
    /// A custom environment's id.
    pub custom_env: Option<String>,
    pub source: &'static str,
    pub creator: String,
    pub meta: BTreeMap<String, String>,
    pub soft_deleted: bool,
    pub alias_assigned: bool,
    pub error: Option<String>,
    pub build: Option<FakeBuild>,
    /// (created ms, type, text).
    pub events: Vec<(i64, &'static str, String)>,
}

/// A failure to answer instead of (or after) doing the work, for one operation.
#[derive(Clone, Debug)]
pub struct Scripted {
    /// The operation as `METHOD /template`.
    pub route: String,
    pub status: u16,
    pub retry_after: Option<u64>,
    /// How many times; `None` = every time.
    pub times: Option<u32>,
    /// Do the work first, then fail (an answer lost after the change was made).
    pub after_applying: bool,
}

impl Scripted {
    pub fn once(route: &str, status: u16) -> Self {
        Self {
            route: route.to_owned(),
            status,
            retry_after: None,
            times: Some(1),
            after_applying: false,
        }
    }

    pub fn always(route: &str, status: u16) -> Self {
        Self {
            times: None,
            ..Self::once(route, status)
        }
    }

    /// Refused `times` times with `429` and `Retry-After: seconds`.
    pub fn rate_limited(route: &str, seconds: u64, times: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            times: Some(times),
            ..Self::once(route, 429)
        }
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The operation (`METHOD /template`), when the spec has it.
    pub route: Option<String>,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Virtual time, ms.
    pub at: i64,
    pub token: String,
}

impl Recorded {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct FakeState {
    pub clock: VirtualClock,
    pub team: Option<FakeTeam>,
    pub users: HashMap<String, FakeUser>,
    pub projects: Vec<FakeProject>,
    /// Oldest first.
    pub deployments: Vec<FakeDeployment>,
    /// How long each alias of a rollback or promote takes.
    pub alias_step_ms: i64,
    pub build_ms: i64,
    /// Builds end in `ERROR` instead of `READY`.
    pub builds_fail: bool,
    /// Hostnames the next switch fails to move.
    pub failing_aliases: Vec<String>,
    pub scripted: Vec<Scripted>,
    /// Operations carried out at once but answered only after a while.
    pub late: Vec<(String, Duration)>,
    pub requests: Vec<Recorded>,
    /// Rollbacks, promotes and deployments created: what Vercel carried out.
    pub performed: usize,
    pub violations: Vec<String>,
    /// Whether the team has Observability Plus, and the rows its query answers.
    pub observability: bool,
    pub observability_rows: Vec<Value>,
    pub next_id: u32,
}

impl FakeState {
    pub fn new(clock: VirtualClock) -> Self {
        Self {
            clock,
            team: None,
            users: HashMap::new(),
            projects: Vec::new(),
            deployments: Vec::new(),
            alias_step_ms: 1000,
            build_ms: 5000,
            builds_fail: false,
            failing_aliases: Vec::new(),
            scripted: Vec::new(),
            late: Vec::new(),
            requests: Vec::new(),
            performed: 0,
            violations: Vec::new(),
            observability: false,
            observability_rows: Vec::new(),
            next_id: 0,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    pub fn project(&self, id_or_name: &str) -> Option<&FakeProject> {
        self.projects
            .iter()
            .find(|p| p.id == id_or_name || p.name == id_or_name)
    }

    pub fn project_mut(&mut self, id_or_name: &str) -> Option<&mut FakeProject> {
        self.projects
            .iter_mut()
            .find(|p| p.id == id_or_name || p.name == id_or_name)
    }

    pub fn deployment(&self, uid: &str) -> Option<&FakeDeployment> {
        self.deployments.iter().find(|d| d.uid == uid)
    }

    pub fn deployment_mut(&mut self, uid: &str) -> Option<&mut FakeDeployment> {
        self.deployments.iter_mut().find(|d| d.uid == uid)
    }

    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_new{:04}", self.next_id)
    }
}

pub struct Fake {
    pub state: Arc<Mutex<FakeState>>,
    pub base_url: String,
}

impl Fake {
    pub async fn start(state: FakeState) -> Self {
        let state = Arc::new(Mutex::new(state));
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
            base_url: format!("http://{address}"),
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// Requests to one operation (`METHOD /template`).
    pub fn calls(&self, route: &str) -> usize {
        self.with(|s| {
            s.requests
                .iter()
                .filter(|r| r.route.as_deref() == Some(route))
                .count()
        })
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|s| s.requests.clone())
    }

    pub fn assert_conforms(&self) {
        let violations = self.with(|s| s.violations.clone());
        assert!(
            violations.is_empty(),
            "requests or answers the spec does not allow:\n{}",
            violations.join("\n")
        );
    }
}

fn decode(part: &str) -> String {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Vercel's error body.
pub fn error(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

fn respond(status: u16, body: Option<&Value>, headers: &[(&'static str, String)]) -> Response {
    let mut response = match body {
        Some(body) => (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body.to_string(),
        )
            .into_response(),
        // Vercel's rollback and promote answer with nothing at all: no body and no
        // content type (a JSON content type on an empty body makes its CLI throw).
        None => StatusCode::from_u16(status).unwrap().into_response(),
    };
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(*name, value.parse().expect("header value"));
    }
    response
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let (response, late) = {
        let mut s = state.lock().unwrap();
        answer(
            &mut s,
            &method,
            uri.path(),
            raw.as_deref(),
            &headers,
            &bytes,
        )
    };
    if let Some(wait) = late {
        tokio::time::sleep(wait).await;
    }
    response
}

fn answer(
    s: &mut FakeState,
    method: &Method,
    path: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> (Response, Option<Duration>) {
    let query = query_pairs(raw);
    let body: Option<Value> = if bytes.is_empty() {
        None
    } else {
        match serde_json::from_slice(bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                s.violations
                    .push(format!("{method} {path}: body is not JSON: {e}"));
                Some(Value::Null)
            }
        }
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    let route = if format!("{method} {path}") == OBSERVABILITY {
        Some(OBSERVABILITY.to_owned())
    } else {
        spec().route(method.as_str(), path).map(|r| r.name())
    };
    let now = s.now_ms();
    s.requests.push(Recorded {
        method: method.to_string(),
        path: path.to_owned(),
        route: route.clone(),
        query: query.clone(),
        body: body.clone(),
        at: now,
        token: token.clone(),
    });
    let Some(route_name) = route else {
        s.violations
            .push(format!("{method} {path}: no such operation in the spec"));
        let body = error("not_found", "The requested endpoint was not found");
        return (respond(404, Some(&body), &[]), None);
    };
    let spec_route = spec().route(method.as_str(), path).cloned();
    if let Some(r) = &spec_route {
        let mut problems = spec().check_query(r, &query);
        // Vercel's CLI sends `{}` to promote ("required", it notes); the published
        // document declares no body there. The CLI's request is what the server takes.
        let cli_empty_object = r.name() == PROMOTE && body == Some(json!({}));
        if !cli_empty_object {
            problems.extend(spec().check_request(r, body.as_ref()));
        }
        if !problems.is_empty() {
            s.violations.extend(problems.iter().cloned());
            let body = error("bad_request", &problems.join("; "));
            return (finish(s, spec_route.as_ref(), 400, Some(body), &[]), None);
        }
    }
    // A missing or invalid token: 403 everywhere, `/v2/user` included.
    let Some(user) = s.users.get(&token).cloned() else {
        let body = json!({ "error": { "code": "forbidden", "message": "Not authorized", "invalidToken": true } });
        return (finish(s, spec_route.as_ref(), 403, Some(body), &[]), None);
    };
    // Every call but the user's own carries the team.
    let team_path = path.starts_with("/v2/teams/") || path.starts_with("/teams/");
    if let Some(team) = s.team.clone()
        && path != "/v2/user"
        && !team_path
    {
        let by_id = query.iter().any(|(k, v)| k == "teamId" && *v == team.id);
        let by_slug = query.iter().any(|(k, v)| k == "slug" && *v == team.slug);
        if !by_id && !by_slug {
            s.violations.push(format!(
                "{method} {path}: no teamId or slug for team {}",
                team.slug
            ));
            // Without the team Vercel looks in the personal account, where nothing is.
            let body = error("not_found", "Not found (no team given)");
            return (finish(s, spec_route.as_ref(), 404, Some(body), &[]), None);
        }
    }
    model::settle(s);
    let scripted = s
        .scripted
        .iter()
        .position(|f| f.route == route_name)
        .map(|i| {
            let found = s.scripted[i].clone();
            match found.times {
                Some(n) if n <= 1 => {
                    s.scripted.remove(i);
                }
                Some(n) => s.scripted[i].times = Some(n - 1),
                None => {}
            }
            found
        });
    let late = s
        .late
        .iter()
        .position(|(r, _)| *r == route_name)
        .map(|i| s.late.remove(i).1);
    if let Some(f) = scripted.as_ref().filter(|f| !f.after_applying) {
        return (scripted_failure(s, spec_route.as_ref(), f), None);
    }
    let request = model::Request {
        route: &route_name,
        path,
        query: &query,
        body: body.as_ref(),
        user: &user,
    };
    let reply = model::dispatch(s, &request);
    if let Some(f) = scripted {
        return (scripted_failure(s, spec_route.as_ref(), &f), late);
    }
    let Reply {
        status,
        body,
        headers,
    } = reply;
    (finish(s, spec_route.as_ref(), status, body, &headers), late)
}

fn scripted_failure(
    s: &mut FakeState,
    route: Option<&super::spec::Route>,
    f: &Scripted,
) -> Response {
    let mut headers = Vec::new();
    let body = if f.status == 429 {
        let now = s.now_ms();
        let wait = f.retry_after.unwrap_or(1) as i64;
        let reset = now / 1000 + wait;
        if let Some(after) = f.retry_after {
            headers.push(("retry-after", after.to_string()));
        }
        headers.push(("x-ratelimit-limit", "100".to_owned()));
        headers.push(("x-ratelimit-remaining", "0".to_owned()));
        headers.push(("x-ratelimit-reset", reset.to_string()));
        json!({ "error": { "code": "rate_limited", "message": "Rate limit exceeded",
            "limit": { "remaining": 0, "reset": reset, "resetMs": reset * 1000, "total": 100 } } })
    } else {
        error("internal_server_error", "scripted failure")
    };
    // Vercel answers 429 and 5xx on any operation, though its document lists them for few:
    // only the other statuses are checked.
    if let Some(route) = route.filter(|_| f.status != 429 && f.status < 500) {
        let problems = spec().check_response(route, f.status, Some(&body));
        s.violations.extend(problems);
    }
    respond(f.status, Some(&body), &headers)
}

fn finish(
    s: &mut FakeState,
    route: Option<&super::spec::Route>,
    status: u16,
    body: Option<Value>,
    headers: &[(&'static str, String)],
) -> Response {
    if let Some(route) = route {
        s.violations
            .extend(spec().check_response(route, status, body.as_ref()));
    }
    respond(status, body.as_ref(), headers)
}
