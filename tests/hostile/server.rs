//! A platform speaking the HTTP contract (`docs/openapi.yaml`) with hostile text in every
//! string a person reads: `switchback serve`'s own router over the demo platform, with each
//! answer's strings replaced by the payloads of `payloads.rs` on the way out, and a layer in
//! front that can refuse operations (409, 412), page forever, answer a huge body, or echo
//! the request's `Authorization` header back in its errors.

use crate::payloads;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use chrono::TimeZone;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::{Backend, Identity, PageRequest, Role};
use switchback::clock::VirtualClock;
use switchback::domain::{Deployment, EnvRef};
use switchback::serve::{ServeState, Tokens, router};

pub const TOKEN_VAR: &str = "SWITCHBACK_HOSTILE_TOKEN";
/// The token every test sends; it must never come back out of switchback.
pub const CANARY: &str = "canary-7f3e9b2a4c1d8e6f-do-not-print";

/// Keys whose string values people read: these turn hostile. Ids, enums and times stay as
/// they are, so the platform still works.
const READ_BY_PEOPLE: [&str; 20] = [
    "label",
    "subject",
    "branch",
    "author",
    "image",
    "name",
    "message",
    "title",
    "detail",
    "hostname",
    "actor",
    "changed_by",
    "live_label",
    "reason",
    "text",
    "regions",
    "components",
    "migrations",
    "display_name",
    "description",
];

/// What the front layer does instead of passing a request on.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Mode {
    #[default]
    Pass,
    /// Rollbacks and promotes answer 409 with hostile conflict details.
    Conflict,
    /// Rollbacks and promotes answer 412 with a hostile refusal.
    Precondition,
    /// Every list of deployments has a next page.
    PagesForever,
    /// Every answer is 200 with a body that never ends.
    EndlessBody,
    /// Every request is refused with this status, its body quoting the Authorization header.
    EchoAuthorization(u16),
    /// 429 with `Retry-After: 2^64-1`.
    RetryAfterMax,
}

#[derive(Clone)]
pub struct Hostile {
    pub demo: DemoBackend,
    pub mode: Arc<Mutex<Mode>>,
    /// Original text → its hostile replacement, so every answer says the same.
    replaced: Arc<Mutex<HashMap<String, String>>>,
    /// Deployment id → the label it is given instead (a label equal to another's id).
    pub labels: Arc<Mutex<HashMap<String, String>>>,
    /// Multi-byte commit shas (today these end a command in a panic: see the ignored tests).
    pub multibyte_shas: bool,
    /// Every commit subject is about a megabyte.
    pub huge_subjects: bool,
}

/// A router on 127.0.0.1 at a free port, stopped when dropped.
struct Served {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_router(app: Router) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Served { addr, task }
}

pub struct Platform {
    pub hostile: Hostile,
    _served: Served,
    pub url: String,
}

pub fn prod() -> EnvRef {
    EnvRef::new("acme/storefront", "production")
}

impl Platform {
    pub async fn start() -> Platform {
        Self::start_with(false, false).await
    }

    pub async fn start_with(multibyte_shas: bool, huge_subjects: bool) -> Platform {
        let clock = VirtualClock::starting_at(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
                .unwrap(),
        );
        let demo = DemoBackend::new(
            Scenario::load("bad-deploy").unwrap(),
            Arc::new(clock.clone()),
            Identity {
                actor: "serve".into(),
                role: Role::Deployer,
            },
        );
        let hostile = Hostile {
            demo: demo.clone(),
            mode: Arc::default(),
            replaced: Arc::default(),
            labels: Arc::default(),
            multibyte_shas,
            huge_subjects,
        };
        let tokens = Tokens {
            deployer: Some(CANARY.into()),
            read_only: None,
        };
        let state =
            ServeState::new(Arc::new(demo.clone()), tokens).with_traffic(Arc::new(demo.clone()));
        let app = router(state).layer(middleware::from_fn_with_state(hostile.clone(), front));
        let served = serve_router(app).await;
        let url = format!("http://{}", served.addr);
        Platform {
            hostile,
            _served: served,
            url,
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.hostile.mode.lock().unwrap() = mode;
    }

    /// The demo's deployments of production, newest first, as the demo holds them.
    pub async fn deployments(&self) -> Vec<Deployment> {
        self.hostile
            .demo
            .list_deployments(&prod(), PageRequest::default())
            .await
            .unwrap()
            .items
    }

    pub async fn operation_count(&self) -> usize {
        self.hostile
            .demo
            .list_operations(&prod())
            .await
            .unwrap()
            .len()
    }
}

impl Hostile {
    fn replace(&self, key: &str, text: &str) -> String {
        let mut replaced = self.replaced.lock().unwrap();
        let n = replaced.len();
        replaced
            .entry(format!("{key}\u{0}{text}"))
            .or_insert_with(|| payloads::poison(&format!("{text}:"), n))
            .clone()
    }

    /// Every string people read in `value`, hostile.
    fn poison(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                if let (Some(Value::String(id)), Some(Value::String(_))) =
                    (map.get("id"), map.get("label"))
                    && let Some(label) = self.labels.lock().unwrap().get(id)
                {
                    map.insert("label".into(), Value::String(label.clone()));
                }
                for (key, item) in map.iter_mut() {
                    let preset =
                        key == "label" && self.labels.lock().unwrap().values().any(|l| item == l);
                    match item {
                        Value::String(text) if key == "sha" => {
                            *text = if self.multibyte_shas {
                                format!("\u{e9}\u{1f600}\u{e9}{text}")
                            } else {
                                format!("{}\x1b[2J\u{9b}", &text[..text.len().min(4)])
                            };
                        }
                        Value::String(text) if key == "subject" && self.huge_subjects => {
                            *text = payloads::huge_message();
                        }
                        Value::String(text)
                            if READ_BY_PEOPLE.contains(&key.as_str()) && !preset =>
                        {
                            *text = self.replace(key, text);
                        }
                        Value::Array(items) if READ_BY_PEOPLE.contains(&key.as_str()) => {
                            for item in items {
                                if let Value::String(text) = item {
                                    *text = self.replace(key, text);
                                } else {
                                    self.poison(item);
                                }
                            }
                        }
                        other => self.poison(other),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.poison(item)),
            _ => {}
        }
    }
}

fn problem(status: u16, code: &str, detail: String, extra: Value) -> Response {
    let mut body = json!({
        "type": format!("urn:switchback:problem:{code}"),
        "title": payloads::poison("title:", 3),
        "status": status,
        "detail": detail,
        "code": code,
    });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let mut response = (
        StatusCode::from_u16(status).unwrap(),
        serde_json::to_vec(&body).unwrap(),
    )
        .into_response();
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

async fn front(State(hostile): State<Hostile>, mut request: Request, next: Next) -> Response {
    let mode = hostile.mode.lock().unwrap().clone();
    let path = request.uri().path().to_owned();
    let is_switch =
        request.method() == "POST" && (path.ends_with("/rollback") || path.ends_with("/promote"));
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    match &mode {
        Mode::EchoAuthorization(status) => {
            let code = match status {
                401 => "unauthorized",
                403 => "forbidden",
                _ => "transient",
            };
            let mut response = problem(
                *status,
                code,
                format!(
                    "the token {authorization} is not accepted here; you sent `Authorization: {authorization}`"
                ),
                json!({ "reason": format!("token {} refused", authorization.trim_start_matches("Bearer ")) }),
            );
            response.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_str(&format!("Bearer realm=\"{authorization}\"")).unwrap(),
            );
            response
                .headers_mut()
                .insert("x-echo", HeaderValue::from_str(&authorization).unwrap());
            return response;
        }
        Mode::RetryAfterMax => {
            let mut response = problem(429, "rate_limited", payloads::all(), json!({}));
            response.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&u64::MAX.to_string()).unwrap(),
            );
            return response;
        }
        Mode::EndlessBody => {
            let chunks = futures::stream::repeat_with(|| {
                Ok::<_, std::io::Error>(bytes::Bytes::from(payloads::all().repeat(64)))
            });
            return Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from_stream(chunks))
                .unwrap();
        }
        Mode::Conflict if is_switch => {
            let live = hostile.demo.get_environment(&prod()).await.unwrap().live;
            return problem(
                409,
                "conflict",
                payloads::poison("conflict:", 4),
                json!({
                    "live_now": live.map(|id| id.to_string()),
                    "live_label": payloads::poison("live:", 5),
                    "changed_by": payloads::poison("someone:", 13),
                }),
            );
        }
        Mode::Precondition if is_switch => {
            return problem(
                412,
                "not_ready",
                payloads::poison("refused:", 11),
                json!({ "suggestion": "redeploy" }),
            );
        }
        _ => {}
    }
    // Pages forever: the page number is in the cursor; the demo is always asked for page 1.
    let mut page_number = 0u64;
    if mode == Mode::PagesForever && path.ends_with("/deployments") {
        page_number = request
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("cursor=again-")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        *request.uri_mut() = path.parse().unwrap();
    }
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap();
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    hostile.poison(&mut value);
    if mode == Mode::PagesForever
        && path.ends_with("/deployments")
        && let Value::Object(page) = &mut value
    {
        page.insert("next".into(), json!(format!("again-{}", page_number + 1)));
    }
    let body = serde_json::to_vec(&value).unwrap();
    parts.headers.remove("content-length");
    parts.headers.remove("etag");
    Response::from_parts(parts, Body::from(body))
}
