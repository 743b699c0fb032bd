//! `switchback serve` as an operator starts it: the real binary on a loopback port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Served {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    _config: tempfile::NamedTempFile,
}

impl Served {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Served {
        let config = tempfile::NamedTempFile::new().unwrap();
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("switchback"));
        command
            .arg("--config")
            .arg(config.path())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Served {
            child,
            lines,
            seen: Vec::new(),
            _config: config,
        }
    }

    /// Waits (generously) for a stderr line containing `needle`.
    fn wait_for(&mut self, needle: &str) -> Option<String> {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return Some(line.clone());
        }
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(30)) {
            self.seen.push(line.clone());
            if line.contains(needle) {
                return Some(line);
            }
        }
        None
    }

    fn base_url(&mut self) -> String {
        let line = self
            .wait_for("listening on http://")
            .expect("the server says where it listens");
        line.split("listening on ")
            .nth(1)
            .unwrap()
            .trim()
            .to_owned()
    }

    fn all_output(&mut self) -> String {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_named_token_variable_that_is_unset_stops_the_start() {
    let output = Command::new(assert_cmd::cargo::cargo_bin("switchback"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--deployer-token-env", "SWITCHBACK_TEST_SURELY_UNSET"])
        .env_remove("SWITCHBACK_TEST_SURELY_UNSET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SWITCHBACK_TEST_SURELY_UNSET"), "{stderr}");
    assert!(!stderr.contains("listening"), "{stderr}");
}

#[tokio::test]
async fn serve_checks_tokens_logs_requests_and_never_the_token() {
    let token = "serve-binary-secret-7c1e";
    let mut served = Served::start(
        &["--deployer-token-env", "SB_TEST_DEPLOYER", "--speed", "10"],
        &[("SB_TEST_DEPLOYER", token)],
    );
    let base = served.base_url();
    let http = crate::support::raw_client();
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let anonymous = http.get(format!("{base}/v1/whoami")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let me: serde_json::Value = http
        .get(format!("{base}/v1/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "deployer");

    let logged = served.wait_for("/v1/whoami").expect("an access log line");
    assert!(
        logged.contains("status=") && logged.contains("GET"),
        "{logged}"
    );
    let output = served.all_output();
    assert!(
        !output.contains(token),
        "the token leaked into the log:\n{output}"
    );
    assert!(!output.contains("WITHOUT authentication"), "{output}");
}

#[tokio::test]
async fn serve_without_tokens_says_so_loudly() {
    let mut served = Served::start(&[], &[]);
    let base = served.base_url();
    let output = served.all_output();
    assert!(output.contains("WITHOUT authentication"), "{output}");
    let me: serde_json::Value = crate::support::raw_client()
        .get(format!("{base}/v1/whoami"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "deployer");
}

#[test]
fn an_open_server_warns_once() {
    let mut served = Served::start(&[], &[]);
    served.base_url();
    let output = served.all_output();
    assert_eq!(
        output.matches("WITHOUT authentication").count(),
        1,
        "{output}"
    );
    assert_eq!(output.matches("listening on").count(), 1, "{output}");
}
