//! The real binaries end to end: `switchback serve` (the demo platform over HTTP, with its
//! `/metrics`), a Prometheus scraping it, and `switchback status` reading the platform over
//! HTTP and the error rate from Prometheus.

use crate::server::{Prometheus, reqwest_client};
use crate::support::*;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `switchback serve` on a free loopback port, killed when dropped.
struct Serve {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Serve {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(assert_cmd::cargo::cargo_bin("switchback"))
            .args([
                "serve",
                "--listen",
                &addr.to_string(),
                "--scenario",
                "bad-deploy",
            ])
            .env_remove("SWITCHBACK_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run switchback serve");
        let serve = Self { child, addr };
        let health = format!("http://{addr}/healthz");
        within(30, "switchback serve answering", || async {
            match reqwest_client().get(&health).send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
        serve
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status(config: &std::path::Path) -> serde_json::Value {
    let output = assert_cmd::Command::cargo_bin("switchback")
        .unwrap()
        .arg("--config")
        .arg(config)
        .args(["status", "--json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

fn production_of(doc: &serde_json::Value) -> serde_json::Value {
    doc["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "production" || e["environment"] == "production")
        .cloned()
        .unwrap_or_else(|| panic!("no production in {doc}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switchback_status_reads_error_rates_from_prometheus_scraping_serve() {
    let serve = Serve::start().await;
    let mut prometheus = Prometheus::start(&[serve.addr]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nkind = \"http\"\nname = \"served\"\nurl = \"http://{}\"\n\n\
             [metrics]\nkind = \"prometheus\"\nurl = \"{}\"\nwindow = \"5s\"\n",
            serve.addr, prometheus.url
        ),
    )
    .unwrap();

    // v42 is live in production with about 8% 5xx: Prometheus' figure, through the CLI.
    let doc = within(30, "production's error rate from Prometheus", || async {
        let production = production_of(&status(&config));
        match production["error_rate"].as_f64() {
            Some(rate) => Ok(rate),
            None => Err(production.to_string()),
        }
    })
    .await;
    assert!((0.03..0.15).contains(&doc), "{doc}");

    // With Prometheus gone, status says so instead of a number.
    prometheus.stop();
    let production = production_of(&status(&config));
    assert!(production["error_rate"].is_null(), "{production}");
    let cause = production["error_rate_error"].as_str().unwrap_or_default();
    assert!(cause.contains(&prometheus.url), "{production}");
}
