//! Side by side against the fake Kubernetes API server of the test suite: `kubectl rollout
//! history` + `kubectl rollout undo --to-revision=N` versus `switchback rollback --to revN
//! --yes`, pair by pair on fresh copies of the same cluster, each side with its discovery
//! kept from one untimed command before (as on an engineer's machine). Prints wall time, API
//! requests and those sent before the PATCH per side, their ratios, and the medians.
//! Test-only: an example, never part of the release binary.
//!
//!   cargo build --release --bin switchback
//!   cargo run --release --example k8s_rollback_vs_kubectl -- [PAIRS] [SWITCHBACK]
//!
//! `SHOW_REQUESTS=1` lists every request each side made.

#[path = "../tests/support/kubernetes/mod.rs"]
#[allow(dead_code)]
mod fake;

use fake::{FakeCluster, Options, three_revisions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const REVISION: u32 = 1;
const IMAGE_OF_REVISION: &str = "registry.example.com/web:1.0";

struct Side {
    wall: Duration,
    requests: usize,
    /// Requests sent before the first PATCH.
    before_patch: usize,
}

fn side(cluster: &FakeCluster, before: usize, wall: Duration) -> Side {
    let sent = &cluster.requests()[before..];
    Side {
        wall,
        requests: sent.len(),
        before_patch: sent
            .iter()
            .position(|r| r.method == "PATCH")
            .unwrap_or(sent.len()),
    }
}

/// With `SHOW_REQUESTS=1`, each side's requests are listed (method and path).
fn show(who: &str, cluster: &FakeCluster, before: usize) {
    if std::env::var_os("SHOW_REQUESTS").is_some() {
        for r in &cluster.requests()[before..] {
            eprintln!("{who}: {} {}", r.method, r.path);
        }
    }
}

fn cluster() -> FakeCluster {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster
}

fn image(cluster: &FakeCluster) -> String {
    cluster.deployment("web")["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn check(what: &str, out: &std::process::Output) {
    if !out.status.success() {
        panic!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// kubectl with a warm discovery cache (as on an engineer's machine), then the two commands
/// an engineer runs: look at the history, undo to the revision.
fn kubectl_side() -> Side {
    let cluster = cluster();
    check(
        "kubectl get (warming the cache)",
        &cluster.kubectl(&["get", "deployment", "web"]),
    );
    let before = cluster.requests().len();
    let start = Instant::now();
    check(
        "kubectl rollout history",
        &cluster.kubectl(&["rollout", "history", "deployment/web"]),
    );
    check(
        "kubectl rollout undo",
        &cluster.kubectl(&[
            "rollout",
            "undo",
            "deployment/web",
            &format!("--to-revision={REVISION}"),
        ]),
    );
    let wall = start.elapsed();
    show("kubectl", &cluster, before);
    assert_eq!(image(&cluster), IMAGE_OF_REVISION, "kubectl rolled back");
    side(&cluster, before, wall)
}

fn switchback_side(binary: &Path) -> Side {
    let cluster = cluster();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nkind = \"kubernetes\"\nname = \"fake\"\nkubeconfig = \"{}\"\nenvironment = \"production\"\n",
            cluster.kubeconfig.display()
        ),
    )
    .expect("write config");
    let run = |args: &[&str]| {
        Command::new(binary)
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("KUBECONFIG")
            .output()
            .expect("run switchback")
    };
    check("switchback list (keeping discovery)", &run(&["list"]));
    let before = cluster.requests().len();
    let start = Instant::now();
    let out = run(&["rollback", "--to", &format!("rev{REVISION}"), "--yes"]);
    let wall = start.elapsed();
    check("switchback rollback", &out);
    show("switchback", &cluster, before);
    assert_eq!(image(&cluster), IMAGE_OF_REVISION, "switchback rolled back");
    side(&cluster, before, wall)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pairs: usize = args
        .next()
        .map_or(7, |a| a.parse().expect("PAIRS is a number"));
    let binary = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/switchback"),
        PathBuf::from,
    );
    assert!(
        binary.exists(),
        "{} missing: cargo build --release",
        binary.display()
    );
    println!("kubectl: {}", fake::kubectl_path().display());
    println!(
        "pair  kubectl ms  requests  before PATCH  switchback ms  requests  before PATCH  time ratio  request ratio"
    );
    let (mut k_ms, mut s_ms, mut k_req, mut s_req, mut t_ratio, mut r_ratio) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut k_pre, mut s_pre) = (vec![], vec![]);
    for pair in 1..=pairs {
        // Alternate which side goes first, so drift in the machine's speed cancels out.
        let (k, s) = if pair % 2 == 1 {
            let k = kubectl_side();
            (k, switchback_side(&binary))
        } else {
            let s = switchback_side(&binary);
            (kubectl_side(), s)
        };
        let (km, sm) = (k.wall.as_secs_f64() * 1e3, s.wall.as_secs_f64() * 1e3);
        println!(
            "{pair:>4}  {km:>10.1}  {:>8}  {:>12}  {sm:>13.1}  {:>8}  {:>12}  {:>10.2}  {:>13.2}",
            k.requests,
            k.before_patch,
            s.requests,
            s.before_patch,
            km / sm,
            k.requests as f64 / s.requests as f64
        );
        k_pre.push(k.before_patch as f64);
        s_pre.push(s.before_patch as f64);
        k_ms.push(km);
        s_ms.push(sm);
        k_req.push(k.requests as f64);
        s_req.push(s.requests as f64);
        t_ratio.push(km / sm);
        r_ratio.push(k.requests as f64 / s.requests as f64);
    }
    println!(
        "median  {:>8.1}  {:>8}  {:>12}  {:>13.1}  {:>8}  {:>12}  {:>10.2}  {:>13.2}",
        median(k_ms),
        median(k_req),
        median(k_pre),
        median(s_ms),
        median(s_req),
        median(s_pre),
        median(t_ratio),
        median(r_ratio)
    );
}
