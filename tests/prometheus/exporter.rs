//! A scripted `/metrics` endpoint over a real socket, with the names and labels of
//! `switchback serve`, for shapes the demo platform does not have (label values with quotes
//! and backslashes, two deployments serving at once, exact error shares): each serving deployment answers `rps` requests per second with its
//! own error share and latency, counted every 100 ms.

use axum::Router;
use axum::routing::get;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BOUNDS: [f64; 6] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    /// Share of requests answered 5xx.
    pub error_share: f64,
    /// Every request takes this long.
    pub latency_secs: f64,
}

#[derive(Default)]
struct Counters {
    requests: u64,
    errors: u64,
    buckets: [u64; BOUNDS.len()],
    sum_secs: f64,
}

type Key = (String, String, String);

#[derive(Default)]
struct State {
    /// Requests per second and the fraction of a request still owed, per deployment.
    serving: BTreeMap<Key, (f64, f64)>,
    behaviour: BTreeMap<String, Behaviour>,
    counters: BTreeMap<Key, Counters>,
}

pub struct Exporter {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Exporter {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = state.clone();
        let app = Router::new().route(
            "/metrics",
            get(move || {
                let text = render(&shared.lock().unwrap());
                async move { text }
            }),
        );
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let ticking = state.clone();
        let traffic = tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(100));
            loop {
                interval.tick().await;
                tick(&mut ticking.lock().unwrap(), 0.1);
            }
        });
        Self {
            addr,
            state,
            tasks: vec![server, traffic],
        }
    }

    /// How `deployment` answers while it serves.
    pub fn behaviour(&self, deployment: &str, behaviour: Behaviour) {
        let mut state = self.state.lock().unwrap();
        state.behaviour.insert(deployment.to_owned(), behaviour);
    }

    /// `deployment` serves `rps` requests per second in the environment (zero: its counters
    /// exist but never move).
    pub fn serve(&self, project: &str, environment: &str, deployment: &str, rps: f64) {
        let mut state = self.state.lock().unwrap();
        let key = (
            project.to_owned(),
            environment.to_owned(),
            deployment.to_owned(),
        );
        state.counters.entry(key.clone()).or_default();
        state.serving.insert(key, (rps, 0.0));
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn tick(state: &mut State, secs: f64) {
    let State {
        serving,
        behaviour,
        counters,
    } = state;
    for (key, (rps, owed)) in serving.iter_mut() {
        *owed += *rps * secs;
        let requests = owed.floor() as u64;
        *owed -= requests as f64;
        let b = behaviour.get(&key.2).copied().unwrap_or(Behaviour {
            error_share: 0.0,
            latency_secs: 0.02,
        });
        let c = counters.entry(key.clone()).or_default();
        c.requests += requests;
        // Errors follow the share exactly over the deployment's whole life.
        c.errors = (c.requests as f64 * b.error_share).round() as u64;
        for (i, bound) in BOUNDS.iter().enumerate() {
            if b.latency_secs <= *bound {
                c.buckets[i] += requests;
            }
        }
        c.sum_secs += requests as f64 * b.latency_secs;
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render(state: &State) -> String {
    let mut out = String::new();
    let labels = |(p, e, d): &Key| {
        format!(
            "project=\"{}\",environment=\"{}\",deployment=\"{}\"",
            escape(p),
            escape(e),
            escape(d)
        )
    };
    out.push_str("# TYPE switchback_requests_total counter\n");
    for (key, c) in &state.counters {
        let _ = writeln!(
            out,
            "switchback_requests_total{{{}}} {}",
            labels(key),
            c.requests
        );
    }
    out.push_str("# TYPE switchback_errors_total counter\n");
    for (key, c) in &state.counters {
        let _ = writeln!(
            out,
            "switchback_errors_total{{{}}} {}",
            labels(key),
            c.errors
        );
    }
    out.push_str("# TYPE switchback_request_duration_seconds histogram\n");
    for (key, c) in &state.counters {
        let l = labels(key);
        for (bound, count) in BOUNDS.iter().zip(c.buckets) {
            let _ = writeln!(
                out,
                "switchback_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "switchback_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
            c.requests
        );
        let _ = writeln!(
            out,
            "switchback_request_duration_seconds_sum{{{l}}} {}",
            c.sum_secs
        );
        let _ = writeln!(
            out,
            "switchback_request_duration_seconds_count{{{l}}} {}",
            c.requests
        );
    }
    out
}
