//! The fake's server: every request recorded, checked against its spec, authenticated by
//! token kind and rate limited, then answered by the model (`model`).

use super::graphql;
use super::model::{self, FakeState, Reply};
use super::openapi::{self, Spec};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which API a request went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Machines,
    GraphQl,
    Releases,
    Prometheus,
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub api: Api,
    pub method: String,
    pub path: String,
    /// `METHOD /template` for the REST APIs; `graphql <first field under app>` for GraphQL.
    pub route: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub nonce: Option<String>,
    pub authorization: String,
    pub status: u16,
}

/// A failure answered instead of the model's answer.
#[derive(Clone, Debug)]
pub struct Scripted {
    pub route: String,
    pub status: u16,
    /// How many times; `None`: always.
    pub times: Option<u32>,
    pub retry_after: Option<u64>,
    /// The model acts first (the answer is lost after the change).
    pub after_applying: bool,
}

impl Scripted {
    pub fn once(route: &str, status: u16) -> Self {
        Self {
            route: route.to_owned(),
            status,
            times: Some(1),
            retry_after: None,
            after_applying: false,
        }
    }

    pub fn always(route: &str, status: u16) -> Self {
        Self {
            times: None,
            ..Self::once(route, status)
        }
    }

    pub fn rate_limited(route: &str, seconds: u64, times: u32) -> Self {
        Self {
            times: Some(times),
            retry_after: Some(seconds),
            ..Self::once(route, 429)
        }
    }
}

pub struct Fake {
    pub state: Arc<Mutex<FakeState>>,
    pub url: String,
}

impl Fake {
    pub async fn start(state: FakeState) -> Self {
        // Every spec is read before the first request: a missing file fails here, named.
        openapi::machines();
        openapi::releases();
        graphql::schema();
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
            url: format!("http://{address}"),
        }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|s| s.requests.clone())
    }

    /// Requests to one route (`POST /apps/{app_name}/machines/{machine_id}/lease`).
    pub fn calls(&self, route: &str) -> usize {
        self.with(|s| s.requests.iter().filter(|r| r.route == route).count())
    }

    pub fn script(&self, failure: Scripted) {
        self.with(|s| s.scripted.push(failure));
    }

    pub fn answer_late(&self, route: &str, wait: Duration) {
        self.with(|s| s.late.push((route.to_owned(), wait)));
    }

    pub fn assert_conforms(&self) {
        let violations = self.with(|s| s.violations.clone());
        assert!(
            violations.is_empty(),
            "requests or answers the Fly specs do not allow:\n{}",
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

/// Fly's error body.
pub fn error(message: &str) -> Value {
    json!({ "error": message })
}

fn respond(reply: &Reply) -> Response {
    let mut response = match &reply.body {
        Some(body) => (
            StatusCode::from_u16(reply.status).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        None => StatusCode::from_u16(reply.status).unwrap().into_response(),
    };
    for (name, value) in &reply.headers {
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
    let (reply, late) = {
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
    respond(&reply)
}

fn api_of(path: &str) -> Option<(Api, &'static Spec)> {
    if path.starts_with("/v1/") {
        Some((Api::Machines, openapi::machines()))
    } else if path.starts_with("/api/v1/") {
        Some((Api::Releases, openapi::releases()))
    } else {
        None
    }
}

/// Query parameters the real API takes beyond its spec (`platforms.md` §9): fly-go leases
/// with `?ttl=` and destroys with `kill=true`.
fn extras(route: &str) -> &'static [&'static str] {
    match route {
        "POST /apps/{app_name}/machines/{machine_id}/lease" => &["ttl"],
        "DELETE /apps/{app_name}/machines/{machine_id}" => &["kill"],
        _ => &[],
    }
}

fn answer(
    s: &mut FakeState,
    method: &Method,
    path: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> (Reply, Option<Duration>) {
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
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let nonce = headers
        .get("fly-machine-lease-nonce")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let present: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    let (api, route) = if path == "/graphql" {
        let query_text = body
            .as_ref()
            .and_then(|b| b["query"].as_str())
            .unwrap_or("");
        (
            Api::GraphQl,
            format!("graphql {}", model::graphql_operation(query_text)),
        )
    } else if path.starts_with("/prometheus/") {
        (Api::Prometheus, "GET prometheus query_range".to_owned())
    } else {
        match api_of(path)
            .and_then(|(api, spec)| spec.route(method.as_str(), path).map(|r| (api, r.name())))
        {
            Some(found) => found,
            None => {
                s.violations.push(format!(
                    "{method} {path}: no such operation in the Fly specs"
                ));
                let reply = Reply::json(404, error("not found"));
                s.record(
                    Api::Machines,
                    method,
                    path,
                    "?".to_owned(),
                    &query,
                    &body,
                    nonce,
                    authorization,
                    404,
                );
                return (reply, None);
            }
        }
    };
    let (reply, late) = checked(
        s,
        api,
        method,
        path,
        &route,
        &query,
        body.as_ref(),
        nonce.as_deref(),
        &authorization,
        &present,
    );
    s.record(
        api,
        method,
        path,
        route,
        &query,
        &body,
        nonce,
        authorization,
        reply.status,
    );
    (reply, late)
}

#[allow(clippy::too_many_arguments)]
fn checked(
    s: &mut FakeState,
    api: Api,
    method: &Method,
    path: &str,
    route: &str,
    query: &[(String, String)],
    body: Option<&Value>,
    nonce: Option<&str>,
    authorization: &str,
    present: &[String],
) -> (Reply, Option<Duration>) {
    // The request against its spec.
    let spec = api_of(path).map(|(_, spec)| spec);
    let spec_route = spec.and_then(|spec| spec.route(method.as_str(), path).cloned());
    let mut problems = Vec::new();
    if let (Some(spec), Some(r)) = (spec, &spec_route) {
        problems.extend(spec.check_query(r, query, extras(route)));
        problems.extend(spec.check_headers(r, present));
        // fly-go leases with no body though the spec requires one (`platforms.md` §9).
        let leasing = route == "POST /apps/{app_name}/machines/{machine_id}/lease";
        let mut body_problems = spec.check_request(r, body, leasing);
        // The spec types an authorize request's `action` as an object that is also an
        // integer, which nothing satisfies; Fly's token library writes it as its letters
        // (`"w"`), and that is what the fake takes.
        if route == "POST /tokens/authorize" {
            body_problems.retain(|p| !p.ends_with("at /access/action"));
        }
        problems.extend(body_problems);
    }
    if api == Api::GraphQl {
        match body.and_then(|b| b["query"].as_str()) {
            Some(text) => problems.extend(graphql::schema().check(text)),
            None => problems.push("GraphQL: no query".to_owned()),
        }
    }
    if !problems.is_empty() {
        s.violations.extend(problems.iter().cloned());
        return (Reply::json(400, error(&problems.join("; "))), None);
    }
    // The token, in the scheme each API takes.
    let token = match model::authenticate(s, api, authorization) {
        Ok(token) => token,
        Err(reply) => return (reply, None),
    };
    model::settle(s);
    if let Some(reply) = model::rate_limit(s, route, path) {
        return (reply, None);
    }
    let scripted = s.scripted.iter().position(|f| f.route == route).map(|i| {
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
        .position(|(r, _)| *r == route)
        .map(|i| s.late.remove(i).1);
    if let Some(f) = scripted.as_ref().filter(|f| !f.after_applying) {
        return (scripted_reply(f), None);
    }
    let request = model::Request {
        api,
        route,
        path,
        query,
        body,
        nonce,
        token: &token,
    };
    let reply = super::answers::dispatch(s, &request);
    if let Some(f) = scripted {
        return (scripted_reply(&f), late);
    }
    // A successful answer against its spec (errors the real API gives beyond the spec,
    // 408 from `wait`, 409 and 412 on updates, are not listed there: §9).
    if let (Some(spec), Some(r)) = (spec, &spec_route)
        && reply.status < 300
    {
        // Lease answers come in an envelope the spec does not describe (§9).
        let body = match route {
            "POST /apps/{app_name}/machines/{machine_id}/lease" => {
                reply.body.as_ref().map(|b| b["data"].clone())
            }
            "DELETE /apps/{app_name}/machines/{machine_id}/lease" => None,
            _ => reply.body.clone(),
        };
        let problems = spec.check_response(r, reply.status, body.as_ref());
        s.violations.extend(problems);
    }
    (reply, late)
}

fn scripted_reply(f: &Scripted) -> Reply {
    let mut reply = Reply::json(f.status, error("scripted failure"));
    if let Some(after) = f.retry_after {
        reply.headers.push(("retry-after", after.to_string()));
        reply.body = Some(error("rate limit exceeded"));
    }
    reply
}
