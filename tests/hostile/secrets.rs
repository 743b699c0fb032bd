//! A canary token in each adapter's token variable (or, for Kubernetes, its kubeconfig)
//! never comes back out of switchback: not on stdout or stderr, not in `--json`, not in the
//! log or any file it writes, whatever the platform answers — here, errors that quote the
//! Authorization header and the token, in the platform's own error shape and as plain text.

use crate::client::Client;
use crate::server::{CANARY, Mode, Platform};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The error shapes of each platform.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Unkey,
    Temps,
    Vercel,
    Kubernetes,
    /// The Machines API's `{"error": …}` and GraphQL's `{"errors": [{"message": …}]}` at once.
    Fly,
    /// `text/plain`, as a proxy in front of any of them might answer.
    Text,
}

#[derive(Clone)]
struct Echo {
    shape: Shape,
    status: u16,
    /// Authorization headers received: proof the token was sent, so its absence in the
    /// output means something.
    seen: Arc<Mutex<Vec<String>>>,
}

async fn echo(State(echo): State<Echo>, request: Request) -> Response {
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    echo.seen.lock().unwrap().push(authorization.clone());
    let token = authorization.trim_start_matches("Bearer ").to_owned();
    let words = format!(
        "invalid credentials: Authorization: {authorization} (token {token}) for {}",
        request.uri()
    );
    let (content_type, body) = match echo.shape {
        Shape::Unkey => (
            "application/json",
            json!({"meta": {"requestId": token}, "error": {"title": words, "detail": words,
                "status": echo.status, "type": format!("https://unkey.com/docs/errors/{token}")}})
            .to_string(),
        ),
        Shape::Temps => (
            "application/problem+json",
            json!({"title": words, "detail": words, "required_permission": token,
                "user_role": token})
            .to_string(),
        ),
        Shape::Vercel => (
            "application/json",
            json!({"error": {"code": token, "message": words,
                "invalidToken": true, "token": token}})
            .to_string(),
        ),
        Shape::Kubernetes => (
            "application/json",
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": words, "reason": token, "code": echo.status,
                "details": {"name": token, "kind": token}})
            .to_string(),
        ),
        Shape::Fly => (
            "application/json",
            json!({"error": words, "status": token,
                "errors": [{"message": words, "extensions": {"code": token}}]})
            .to_string(),
        ),
        Shape::Text => ("text/plain", words),
    };
    let mut response = (StatusCode::from_u16(echo.status).unwrap(), body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "Bearer error=\"invalid_token\", token=\"{token}\""
    )) {
        headers.insert("www-authenticate", value);
    }
    if let Ok(value) = HeaderValue::from_str(&authorization) {
        headers.insert("x-authorization-seen", value);
    }
    response
}

struct EchoServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn echo_server(shape: Shape, status: u16) -> EchoServer {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Echo {
        shape,
        status,
        seen: seen.clone(),
    };
    let app = Router::new().fallback(echo).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    EchoServer { addr, seen, task }
}

fn assert_no_canary(what: &str, client: &Client, outputs: &[(String, String)]) {
    for (stream, text) in outputs {
        assert!(
            !text.contains(CANARY) && !text.contains(&CANARY[..16]),
            "{what}: {stream} holds the token:\n{text}"
        );
    }
    for (path, text) in client.written_files() {
        assert!(
            !text.contains(CANARY) && !text.contains(&CANARY[..16]),
            "{what}: {} holds the token:\n{text:.4000}",
            path.display()
        );
    }
}

/// `list`, `status` and `list --json` against a platform whose every answer is `status`
/// quoting the token; the config's backend entry is `entry`.
async fn run_all(what: &str, client: &Client) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    for args in [
        vec!["list"],
        vec!["status", "--timeout", "20s"],
        vec!["list", "--json"],
        vec![
            "rollback",
            "--to",
            "v1",
            "--yes",
            "--json",
            "--timeout",
            "20s",
        ],
    ] {
        let run = client.run(&args).await;
        assert_ne!(
            run.code,
            0,
            "{what}: `{}` fails: {}",
            args.join(" "),
            run.err()
        );
        outputs.push((
            format!("stdout of `{}`", args.join(" ")),
            String::from_utf8_lossy(&run.stdout).into_owned(),
        ));
        outputs.push((
            format!("stderr of `{}`", args.join(" ")),
            String::from_utf8_lossy(&run.stderr).into_owned(),
        ));
    }
    outputs
}

fn client_with(entry: &str) -> Client {
    let client = Client::new("http://unused.invalid");
    std::fs::write(client.home.path().join("config.toml"), entry).unwrap();
    client
}

async fn check_adapter(kind: &str, shape: Shape, statuses: &[u16]) {
    for &status in statuses {
        for shape in [shape, Shape::Text] {
            let server = echo_server(shape, status).await;
            let url = format!("http://{}", server.addr);
            let entry = match kind {
                "kubernetes" => {
                    let dir = tempfile::tempdir().unwrap().keep();
                    let kubeconfig = dir.join("kubeconfig");
                    std::fs::write(
                        &kubeconfig,
                        format!(
                            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}\nusers:\n- name: u\n  user:\n    token: {CANARY}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: shop\ncurrent-context: x\n"
                        ),
                    )
                    .unwrap();
                    format!(
                        "[[backends]]\nkind = \"kubernetes\"\nname = \"k\"\nkubeconfig = \"{}\"\nenvironment = \"production\"\n",
                        kubeconfig.display()
                    )
                }
                "fly" => format!(
                    "[[backends]]\nkind = \"fly\"\nname = \"x\"\norg = \"acme\"\napi-url = \"{url}\"\nmachines-url = \"{url}\"\ntoken-env = \"{}\"\n\n[backends.apps]\nproduction = \"shop-web\"\n",
                    crate::server::TOKEN_VAR
                ),
                _ => format!(
                    "[[backends]]\nkind = \"{kind}\"\nname = \"x\"\nbase-url = \"{url}\"\ntoken-env = \"{}\"\n",
                    crate::server::TOKEN_VAR
                ),
            };
            let client = client_with(&entry);
            let what = format!("{kind} answering {status} ({shape:?})");
            let outputs = run_all(&what, &client).await;
            assert!(
                server
                    .seen
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|a| a.contains(CANARY)),
                "{what}: the token was sent, so the check means something: {outputs:?}"
            );
            assert_no_canary(&what, &client, &outputs);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_token_never_comes_back_out() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url);
    for status in [401, 403, 500] {
        platform.set_mode(Mode::EchoAuthorization(status));
        let what = format!("http answering {status}");
        let outputs = run_all(&what, &client).await;
        assert_no_canary(&what, &client, &outputs);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unkey_root_key_never_comes_back_out() {
    check_adapter("unkey", Shape::Unkey, &[401, 403, 500]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_temps_api_key_never_comes_back_out() {
    check_adapter("temps", Shape::Temps, &[401, 403, 500]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vercel_token_never_comes_back_out() {
    check_adapter("vercel", Shape::Vercel, &[401, 403, 500]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fly_token_never_comes_back_out() {
    // 200 too: Fly's GraphQL says its errors in a 200 answer.
    check_adapter("fly", Shape::Fly, &[200, 401, 403, 500]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kubernetes_bearer_token_never_comes_back_out() {
    check_adapter("kubernetes", Shape::Kubernetes, &[401, 403, 500]).await;
}
