//! The runbook commands against `switchback serve`'s platform on a loopback socket: one
//! process starts an operation, others list it and follow it by id; `list --all` streams;
//! the guard rolls back through the HTTP contract exactly once.

use crate::proxy::{Fault, FaultProxy};
use crate::support::*;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::Backend;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A home with a config naming the `http` backend at `url`.
struct Client {
    home: tempfile::TempDir,
    config: std::path::PathBuf,
}

impl Client {
    fn new(url: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[[backends]]\nkind = \"http\"\nname = \"shared\"\nurl = \"{url}\"\ntoken-env = \"{DEPLOYER_VAR}\"\n\n[poll]\noperation = \"50ms\"\n"
            ),
        )
        .unwrap();
        Self { home, config }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchback"));
        command
            .env_clear()
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("USER", "oncall")
            .env(DEPLOYER_VAR, DEPLOYER_TOKEN)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.command(args).output().await.unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// The platform's clock runs `per_tick` every 20 ms of real time until dropped.
fn run_clock(platform: &Platform, per_tick: Duration) -> tokio::task::JoinHandle<()> {
    let clock = platform.clock.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            clock.advance(per_tick);
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_started_by_one_process_is_listed_and_followed_by_others() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url());
    // v40 is spun down: a cold start, so it is still running while the clock stands still.
    let (code, stdout, stderr) = client.run(&["rollback", "v40", "--yes", "--no-wait"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "no demo note over HTTP: {stderr}");
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1);
    let id = ops[0].id.to_string();
    assert!(
        stdout.contains(&format!(
            "operation {id} started; not waiting: follow it with `switchback operation {id} --follow`"
        )),
        "{stdout}"
    );

    let (code, status, _) = client.run(&["status"]).await;
    assert_eq!(code, 0);
    let running = status.lines().find(|l| l.contains(&id)).expect(&status);
    assert!(
        running.contains("rollback → v40") && running.contains("by oncall"),
        "{running}"
    );
    let (_, json, _) = client.run(&["status", "--json"]).await;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let production = doc["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "production")
        .unwrap();
    assert_eq!(production["operations_in_flight"][0]["operation_id"], id);
    assert_eq!(
        production["operations_in_flight"][0]["target"]["label"],
        "v40"
    );

    // Another process follows it by id while the platform's time moves on.
    let follower = client.command(&["operation", &id, "--follow"]).output();
    let clock = run_clock(&platform, Duration::from_secs(1));
    let output = follower.await.unwrap();
    clock.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with(&format!("operation {id} · rollback to v40")),
        "labels, not ids: {stdout}"
    );
    assert_eq!(*lines.last().unwrap(), "rollback completed", "{stdout}");
    let steps: Vec<&&str> = lines.iter().filter(|l| l.contains("step ")).collect();
    assert!(
        steps.iter().any(|l| l.contains("cold start")) || steps.len() > 2,
        "{stdout}"
    );
    let mut seen = std::collections::HashSet::new();
    assert!(
        lines.iter().all(|l| seen.insert(*l)),
        "each line once: {stdout}"
    );
    // Afterwards the same command shows it finished, in JSON too.
    let (code, json, _) = client.run(&["operation", &id, "--json"]).await;
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["status"], "completed");
    assert_eq!(doc["target"]["label"], "v40");
    let (code, _, stderr) = client.run(&["operation", "op_nope"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("no operation `op_nope`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_events_stream_one_json_line_per_step() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url());
    let child = client
        .command(&["rollback", "v40", "--yes", "--output", "jsonl"])
        .stdout(Stdio::piped())
        .output();
    let clock = run_clock(&platform, Duration::from_secs(1));
    let output = child.await.unwrap();
    clock.abort();
    assert_eq!(output.status.code(), Some(0));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["plan", "started"]);
    assert_eq!(*kinds.last().unwrap(), "finished");
    assert!(kinds.contains(&"step"), "{kinds:?}");
    let finished = events.last().unwrap();
    assert_eq!(finished["status"], "completed");
    // The final status comes after every step.
    let last_step = kinds.iter().rposition(|k| *k == "step").unwrap();
    let final_status = kinds.iter().rposition(|k| *k == "status").unwrap();
    assert!(last_step < final_status, "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_streams_pages_as_they_arrive() {
    let platform = Platform::start_scenario("large").await;
    let proxy = FaultProxy::start(platform.addr).await;
    // The second page of deployments waits until the test opens the gate.
    let gate = Arc::new(tokio::sync::Notify::new());
    proxy.script_for("/deployments?cursor", [Fault::Gate(gate.clone())]);
    let client = Client::new(&proxy.url());
    let mut child = client
        .command(&["list", "--all"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut rows = 0;
    while rows < 200 {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("rows before the gate opens");
        if line.starts_with("● v") || line.starts_with("  v") {
            rows += 1;
        }
    }
    // The first page is on screen while the second is still held at the proxy.
    assert!(
        proxy
            .requests()
            .iter()
            .filter(|(_, path, _)| path.contains("/deployments?cursor"))
            .all(|(_, _, status)| *status == 0),
        "{:?}",
        proxy.requests()
    );
    gate.notify_one();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("● v") || line.starts_with("  v") {
            rows += 1;
        }
    }
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
    assert_eq!(rows, 10_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_rolls_back_through_the_contract_once() {
    let platform = Platform::start().await;
    let client = Client::new(&platform.url());
    // A minute of platform time for every real second.
    let clock = run_clock(&platform, Duration::from_millis(1200));
    let (code, stdout, stderr) = client
        .run(&[
            "guard",
            "--rollback",
            "--yes",
            "--every",
            "1s",
            "--hold",
            "2s",
            "--for",
            "10s",
        ])
        .await;
    clock.abort();
    assert_eq!(code, 10, "{stdout}\n{stderr}");
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1, "{ops:#?}");
    let v42 = platform.id("v42").await;
    assert_eq!(ops[0].expected_live.as_ref(), Some(&v42));
    assert_eq!(
        ops[0].actor, "oncall",
        "the engineer who ran it, as serve records the named actor"
    );
    let live = platform.demo.get_environment(&prod()).await.unwrap().live;
    assert_eq!(live, Some(platform.id("v41").await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_breaks_off_still_prints_one_json_document() {
    let platform = Platform::start_scenario("large").await;
    let proxy = FaultProxy::start(platform.addr).await;
    // Every attempt at the second page fails: the adapter's retries run out.
    proxy.script_for("/deployments?cursor", vec![Fault::status(503); 8]);
    let client = Client::new(&proxy.url());
    let (code, stdout, stderr) = client.run(&["list", "--all", "--json"]).await;
    assert_eq!(code, 6, "{stderr}");
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("one document ({e}):\n{stdout}"));
    assert_eq!(doc["deployments"].as_array().unwrap().len(), 200);
    assert_eq!(doc["error"]["exit_code"], 6);
    assert!(stderr.contains("503"), "{stderr}");
}
