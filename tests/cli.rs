//! The real binary, run as a script would: exit codes, JSON shapes, refusals, config errors.
//! Every run gets its own HOME and XDG directories, so a real config is never read.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;
use tempfile::TempDir;

struct Home {
    dir: TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config").join("switchback")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data").join("switchback")
    }

    /// `switchback` with this home; demo time runs fast so operations finish quickly.
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("switchback").unwrap();
        cmd.env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("USER", "tester")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd
    }

    fn write_config(&self, text: &str) -> PathBuf {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        let path = self.config_dir().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn write_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

fn run(cmd: &mut Command) -> Run {
    let output = cmd.write_stdin("").output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn labels(doc: &Value) -> Vec<String> {
    doc["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn without_config_list_shows_the_demo_newest_first() {
    let home = Home::new();
    let out = run(home.cmd().args(["list", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["backend"], "demo");
    assert_eq!(doc["project"], "acme/storefront");
    assert_eq!(doc["environment"], "production");
    assert_eq!(doc["live"], "v42");
    assert_eq!(doc["mode"], "normal");
    let labels = labels(&doc);
    assert_eq!(&labels[..3], ["v42", "v41", "v40"]);
    let first = &doc["deployments"][0];
    assert_eq!(first["live"], true);
    assert_eq!(first["build_status"], "ready");
    assert_eq!(first["runtime_state"], "running");
    for key in [
        "id",
        "commit",
        "author",
        "created_at",
        "age_seconds",
        "is_rollback",
        "artifact_pruned",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    let v37 = doc["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["label"] == "v37")
        .unwrap();
    assert_eq!(v37["artifact_pruned"], true);
}

#[test]
fn list_in_human_form_marks_the_live_deployment() {
    let home = Home::new();
    let out = run(home.cmd().arg("list"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let live_line = out.stdout.lines().find(|l| l.starts_with("●")).unwrap();
    assert!(live_line.contains("v42"), "{}", out.stdout);
    assert!(
        live_line.contains("live") && live_line.contains("running"),
        "{}",
        out.stdout
    );
    let v37 = out.stdout.lines().find(|l| l.contains("v37")).unwrap();
    assert!(v37.contains("✗pruned"), "{}", out.stdout);
}

#[test]
fn status_reports_live_mode_domains_and_error_rate() {
    let home = Home::new();
    let out = run(home.cmd().args(["status", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    let production = doc["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "production")
        .unwrap()
        .clone();
    assert_eq!(production["live"]["label"], "v42");
    assert_eq!(production["mode"], "normal");
    let hosts: Vec<&str> = production["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["hostname"].as_str().unwrap())
        .collect();
    assert!(hosts.contains(&"shop.example.com"), "{hosts:?}");
    let rate = production["error_rate"].as_f64().expect("an error rate");
    assert!((0.0..=1.0).contains(&rate));
    let human = run(home.cmd().arg("status"));
    assert_eq!(human.code, 0);
    assert!(
        human.stdout.contains("live    v42") && human.stdout.contains("shop.example.com"),
        "{}",
        human.stdout
    );
}

#[test]
fn an_operation_without_a_terminal_needs_yes() {
    let home = Home::new();
    let out = run(home.cmd().args(["rollback", "--to", "v41"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert!(!out.stdout.contains("started"), "{}", out.stdout);
    let json = run(home.cmd().args(["promote", "v41", "--json"]));
    assert_eq!(json.code, 2);
    assert_eq!(json.json()["error"]["kind"], "usage");
}

#[test]
fn rollback_with_yes_completes_and_names_the_domains_that_moved() {
    let home = Home::new();
    let out = run(home.cmd().args([
        "rollback", "--to", "v41", "--yes", "--json", "--speed", "60",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["kind"], "rollback");
    assert_eq!(doc["status"], "completed");
    assert_eq!(doc["waited"], true);
    assert_eq!(doc["target"]["label"], "v41");
    assert_eq!(doc["previous_live"]["label"], "v42");
    assert_eq!(doc["actor"], "tester");
    assert!(
        doc["operation_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert!(!doc["steps"].as_array().unwrap().is_empty());
    let moved: Vec<&str> = doc["domains_moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["hostname"].as_str().unwrap())
        .collect();
    assert!(
        moved.contains(&"shop.example.com") && moved.contains(&"www.shop.example.com"),
        "{moved:?}"
    );
    for d in doc["domains_moved"].as_array().unwrap() {
        assert_eq!(
            (d["from"].as_str(), d["to"].as_str()),
            (Some("v42"), Some("v41")),
            "{d}"
        );
    }
}

#[test]
fn rollback_in_human_form_streams_progress_then_the_moved_domains() {
    let home = Home::new();
    let out = run(home
        .cmd()
        .args(["--speed", "60", "rollback", "--to", "v41", "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("v42 → v41"), "{}", out.stdout);
    assert!(out.stdout.contains("rollback completed"), "{}", out.stdout);
    assert!(
        out.stdout.contains("moved  shop.example.com  v42 → v41"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("moved  www.shop.example.com  v42 → v41"),
        "{}",
        out.stdout
    );
}

#[test]
fn rollback_to_a_pruned_artifact_is_refused_and_suggests_a_redeploy() {
    let home = Home::new();
    let out = run(home.cmd().args(["rollback", "--to", "v37", "--yes"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("redeploy v37 --rebuild"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.is_empty() || !out.stdout.contains("started"),
        "{}",
        out.stdout
    );
    let json = run(home
        .cmd()
        .args(["rollback", "--to", "v37", "--yes", "--json"]));
    assert_eq!(json.code, 3);
    let doc = json.json();
    assert_eq!(doc["error"]["code"], "artifact_pruned");
    assert_eq!(doc["error"]["suggestion"], "redeploy");
    assert_eq!(doc["error"]["exit_code"], 3);
}

#[test]
fn promote_of_the_live_deployment_is_refused() {
    let home = Home::new();
    let out = run(home.cmd().args(["promote", "v42", "--yes"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[test]
fn redeploy_creates_a_new_deployment() {
    let home = Home::new();
    let out = run(home
        .cmd()
        .args(["redeploy", "v41", "--yes", "--json", "--speed", "120"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["kind"], "redeploy");
    assert_eq!(doc["status"], "completed");
    assert!(doc["new_deployment"].as_str().is_some(), "{doc}");
}

#[test]
fn no_wait_returns_the_operation_id_at_once() {
    let home = Home::new();
    let out = run(home
        .cmd()
        .args(["rollback", "--to", "v41", "--yes", "--no-wait", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["waited"], false);
    assert!(doc["status"].is_null());
    assert!(
        doc["operation_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
}

#[test]
fn an_unknown_label_is_a_usage_error_with_close_matches() {
    let home = Home::new();
    let out = run(home.cmd().args(["rollback", "--to", "v411", "--yes"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no deployment `v411`") && out.stderr.contains("closest: v41"),
        "{}",
        out.stderr
    );
    let json = run(home.cmd().args(["redeploy", "v411", "--yes", "--json"]));
    assert_eq!(json.code, 2);
    assert_eq!(json.json()["error"]["candidates"][0], "v41");
    let env = run(home.cmd().args(["list", "--env", "prodution"]));
    assert_eq!(env.code, 2);
    assert!(env.stderr.contains("closest: production"), "{}", env.stderr);
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let home = Home::new();
    let config = home.write_file(
        "other.toml",
        "[[backends]]\nkind = \"demo\"\nname = \"training\"\nscenario = \"steady\"\n",
    );
    let config = config.to_str().unwrap();
    let before = run(home.cmd().args(["--config", config, "list", "--json"]));
    let after = run(home.cmd().args(["list", "--json", "--config", config]));
    assert_eq!(before.code, 0, "{}", before.stderr);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_eq!(before.json()["backend"], "training");
    assert_eq!(after.json()["backend"], "training");
    // --demo forces the embedded demo whatever the config says, in either position.
    let forced = run(home
        .cmd()
        .args(["--config", config, "list", "--json", "--demo"]));
    assert_eq!(forced.json()["backend"], "demo");
}

#[test]
fn backends_are_chosen_by_name_and_unknown_names_are_listed() {
    let home = Home::new();
    home.write_config(
        "[[backends]]\nkind = \"demo\"\nname = \"first\"\n\n[[backends]]\nkind = \"demo\"\nname = \"second\"\nscenario = \"steady\"\n",
    );
    assert_eq!(
        run(home.cmd().args(["list", "--json"])).json()["backend"],
        "first"
    );
    assert_eq!(
        run(home.cmd().args(["list", "--json", "--backend", "second"])).json()["backend"],
        "second"
    );
    let out = run(home.cmd().args(["--backend", "third", "list"]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("no backend is named `third`; configured: first, second"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_config_file_comes_from_the_environment_variable_before_the_default() {
    let home = Home::new();
    home.write_config("[[backends]]\nkind = \"demo\"\nname = \"from-default\"\n");
    let env_file = home.write_file(
        "env.toml",
        "[[backends]]\nkind = \"demo\"\nname = \"from-env\"\n",
    );
    let out = run(home
        .cmd()
        .env("SWITCHBACK_CONFIG", &env_file)
        .args(["list", "--json"]));
    assert_eq!(out.json()["backend"], "from-env");
    assert_eq!(
        run(home.cmd().args(["list", "--json"])).json()["backend"],
        "from-default"
    );
}

#[test]
fn config_errors_name_file_line_and_key() {
    let home = Home::new();
    let path = home.write_config("[poll]\nfocused = \"2s\"\n\n[[backends]]\nkind = \"demo\"\nname = \"demo\"\nscenaro = \"steady\"\n");
    let out = run(home.cmd().arg("list"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let expected = format!(
        "config error: {}:7:1: unknown key `scenaro` in [[backends]]",
        path.display()
    );
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let json = run(home.cmd().args(["status", "--json"]));
    assert_eq!(json.code, 2);
    assert_eq!(json.json()["error"]["kind"], "config");
    // A named file that does not exist is an error, not the defaults.
    let missing = run(home.cmd().args(["list", "--config", "/nonexistent/x.toml"]));
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("/nonexistent/x.toml"),
        "{}",
        missing.stderr
    );
}

#[test]
fn an_unknown_scenario_is_a_usage_error() {
    let home = Home::new();
    let out = run(home.cmd().args(["list", "--scenario", "no-such-scenario"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no-such-scenario") && out.stderr.contains("bad-deploy"),
        "{}",
        out.stderr
    );
}

#[test]
fn paths_prints_the_locations() {
    let home = Home::new();
    let out = run(home.cmd().args(["paths", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert_eq!(
        doc["config_file"],
        home.config_dir().join("config.toml").to_str().unwrap()
    );
    assert_eq!(doc["config_source"], "default");
    assert_eq!(doc["config_exists"], false);
    assert_eq!(doc["data_dir"], home.data_dir().to_str().unwrap());
    assert_eq!(
        doc["log_file"],
        home.data_dir().join("switchback.log").to_str().unwrap()
    );
    let flagged = run(home
        .cmd()
        .args(["paths", "--json", "--config", "/tmp/elsewhere.toml"]));
    assert_eq!(flagged.json()["config_file"], "/tmp/elsewhere.toml");
    assert_eq!(flagged.json()["config_source"], "--config");
    let human = run(home.cmd().arg("paths"));
    assert!(
        human
            .stdout
            .contains(home.data_dir().join("switchback.log").to_str().unwrap()),
        "{}",
        human.stdout
    );
}

#[test]
fn logs_go_to_the_log_file_not_the_terminal() {
    let home = Home::new();
    let out = run(home.cmd().env("SWITCHBACK_LOG", "debug").args(["list"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Only the demo's note: no log line reaches the terminal.
    assert_eq!(
        out.stderr.trim(),
        "demo: this run's platform starts fresh; switchback serve shares one"
    );
    let log = std::fs::read_to_string(home.data_dir().join("switchback.log")).unwrap();
    assert!(log.contains("starting"), "{log}");
    assert!(!out.stdout.contains("starting"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let home = Home::new();
    assert_eq!(run(home.cmd().args(["promote"])).code, 2);
    assert_eq!(run(home.cmd().args(["list", "--speed", "0"])).code, 2);
    assert_eq!(run(home.cmd().args(["frobnicate"])).code, 2);
    let timeout = run(home.cmd().args(["list", "--timeout", "soon"]));
    assert_eq!(timeout.code, 2);
    assert!(
        timeout
            .stderr
            .contains("`soon` is not a duration like 30s or 2m"),
        "{}",
        timeout.stderr
    );
}

#[test]
fn a_timeout_that_is_long_enough_changes_nothing() {
    let home = Home::new();
    let out = run(home.cmd().args(["--timeout", "1m", "list", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["backend"], "demo");
}

/// Runs the binary in a real pseudo-terminal, answers the prompt, returns output and exit code.
fn run_in_pty(home: &Home, args: &[&str], answer: &str) -> (String, u32) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    use std::sync::mpsc;
    use std::time::Duration;

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("switchback"));
    cmd.args(args);
    cmd.env_clear();
    cmd.env("HOME", home.dir.path());
    cmd.env("XDG_CONFIG_HOME", home.dir.path().join("config"));
    cmd.env("XDG_DATA_HOME", home.dir.path().join("data"));
    cmd.env("USER", "tester");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut writer = pair.master.take_writer().unwrap();
    let mut seen = String::new();
    let mut answered = false;
    while let Ok(bytes) = rx.recv_timeout(Duration::from_secs(15)) {
        seen.push_str(&String::from_utf8_lossy(&bytes));
        if !answered && seen.contains("to confirm") {
            writer.write_all(answer.as_bytes()).unwrap();
            writer.flush().unwrap();
            answered = true;
        }
        if let Ok(Some(_)) = child.try_wait() {
            // Drain what is left, briefly.
            while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(300)) {
                seen.push_str(&String::from_utf8_lossy(&bytes));
            }
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(answered, "no prompt seen:\n{seen}");
    (seen, status.exit_code())
}

#[test]
fn at_a_terminal_a_protected_environment_needs_its_name_typed() {
    let home = Home::new();
    let (out, code) = run_in_pty(&home, &["rollback", "--to", "v41", "--speed", "60"], "y\r");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Type `production` to confirm"), "{out}");
    assert!(out.contains("not confirmed"), "{out}");
    assert!(!out.contains("started"), "{out}");
    let (out, code) = run_in_pty(
        &home,
        &["rollback", "--to", "v41", "--speed", "60"],
        "production\r",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("rollback completed"), "{out}");
}

#[test]
fn at_a_terminal_an_unprotected_environment_takes_y() {
    let home = Home::new();
    home.write_config("[console]\nprotected-environments = []\n");
    let (out, code) = run_in_pty(&home, &["rollback", "--to", "v41", "--speed", "60"], "y\r");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Type `y` to confirm") && out.contains("rollback completed"),
        "{out}"
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let home = Home::new();
    // Far more than a pipe holds, so the listing is still writing when the reader leaves.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("switchback"))
        .args(["--scenario", "large", "list", "--limit", "10000"])
        .env("HOME", home.dir.path())
        .env("XDG_CONFIG_HOME", home.dir.path().join("config"))
        .env("XDG_DATA_HOME", home.dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty(), "the listing started");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{stderr}");
}

/// A platform with three deployments; `third` is the label of the newest.
fn scenario_labelled(third: &str) -> String {
    format!(
        r#"[scenario]
name = "lookalikes"
description = "labels that imitate ids"
seed = 7

[[projects]]
id = "acme/lookalikes"
name = "Lookalikes"
image = "registry.example.com/acme/lookalikes"
regions = ["us-east-1"]

[[projects.commits]]
sha = "3f1c0a9be2d84f6e9a7b5c3d1e0f2a4b6c8d0e1f"
subject = "Initial release"
author = "lee.w"
branch = "main"

[[projects.commits]]
sha = "8a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b"
subject = "Add health endpoint"
author = "lee.w"
branch = "main"

[[projects.commits]]
sha = "8a2b4c6d11111111111111111111111111111111"
subject = "Tune the pool"
author = "lee.w"
branch = "main"

[[projects.environments]]
id = "production"
kind = "production"
domains = [{{ hostname = "look.example.com", kind = "custom" }}]

[[projects.environments.deployments]]
label = "v1"
commit = "3f1c0a9be2d84f6e9a7b5c3d1e0f2a4b6c8d0e1f"
age = "10days"

[[projects.environments.deployments]]
label = "v2"
commit = "8a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b"
age = "2days"

[[projects.environments.deployments]]
label = "{third}"
commit = "8a2b4c6d11111111111111111111111111111111"
age = "1day"
"#
    )
}

#[test]
fn a_label_that_imitates_an_id_is_never_taken_for_it() {
    let home = Home::new();
    let plain = home.write_file("plain.toml", &scenario_labelled("v3"));
    let listed = run(home
        .cmd()
        .args(["--scenario", plain.to_str().unwrap(), "list", "--json"]));
    let doc = listed.json();
    let id_of = |label: &str| -> String {
        doc["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["label"] == label)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let v1 = id_of("v1");
    // The same platform, with v3 labelled as v1's id (ids depend on the seed, not labels).
    let tricky = home.write_file("tricky.toml", &scenario_labelled(&v1));
    let scenario = tricky.to_str().unwrap();
    let out = run(home
        .cmd()
        .args(["--scenario", scenario, "rollback", "--to", &v1, "--yes"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("v1 (by id {v1})")) && out.stderr.contains("by label"),
        "both candidates are named: {}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "nothing was planned: {}", out.stdout);
    // Said on purpose, each one is found.
    let by_id = run(home.cmd().args([
        "--scenario",
        scenario,
        "rollback",
        "--to",
        &format!("id:{v1}"),
        "--yes",
        "--no-wait",
        "--json",
    ]));
    assert_eq!(by_id.code, 0, "{}", by_id.stderr);
    assert_eq!(by_id.json()["target"]["label"], "v1");
    // A commit prefix shared by two deployments is refused; a longer one is not.
    let shared = run(home
        .cmd()
        .args(["--scenario", scenario, "promote", "8a2b4c6d", "--yes"]));
    assert_eq!(shared.code, 2, "{}", shared.stderr);
    assert!(shared.stderr.contains("by commit"), "{}", shared.stderr);
    let unique = run(home.cmd().args([
        "--scenario",
        scenario,
        "redeploy",
        "8a2b4c6d8e",
        "--yes",
        "--no-wait",
        "--json",
    ]));
    assert_eq!(unique.code, 0, "{}", unique.stderr);
    assert_eq!(unique.json()["target"]["label"], "v2");
}

#[test]
fn last_good_names_the_deployment_and_says_why() {
    let home = Home::new();
    let out = run(home
        .cmd()
        .args(["rollback", "--to", "last-good", "--yes", "--no-wait"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("last good: v41, live 2h until 6m ago"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Roll back acme/storefront · Production: v42 → v41"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_protected_environment_named_in_capitals_is_protected_from_the_commands_too() {
    let home = Home::new();
    home.write_config("[console]\nprotected-environments = [\"PRODUCTION\"]\n");
    let (screen, code) = run_in_pty(&home, &["rollback", "--to", "v41"], "y\n");
    assert_eq!(
        code, 1,
        "`y` does not confirm a protected environment:\n{screen}"
    );
    assert!(screen.contains("Type `production` to confirm"), "{screen}");
}

#[test]
fn a_bad_theme_is_a_config_error_with_its_line_and_the_choices() {
    let home = Home::new();
    let path = home.write_config("# mine\ntheme = \"solarised\"\n");
    // The console is what reads the theme; it says so before needing a terminal.
    let out = run(home.cmd().env("NO_COLOR", "1"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "config error: {}:2:9: unknown theme `solarised`",
            path.display()
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`default`, `light`, `high-contrast`, `mono`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Location"), "no program report");
    assert!(!out.stderr.contains('\x1b'), "no colour under NO_COLOR");

    // A theme file that does not parse points into the file.
    let themes = home.config_dir().join("themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("mine.toml"), "[slots]\ntext = {\n").unwrap();
    home.write_config("theme = \"mine\"\n");
    let out = run(&mut home.cmd());
    assert_eq!(out.code, 2, "{}", out.stderr);
    let file = themes.join("mine.toml");
    assert!(
        out.stderr
            .contains(&format!("config error: {}:", file.display())),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Location") && !out.stderr.contains('\x1b'));

    // On the command line it is the flag's.
    let out = run(home.cmd().args(["--theme", "neon"]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--theme: unknown theme `neon`") && out.stderr.contains("`mine`"),
        "{}",
        out.stderr
    );
}

#[test]
fn serve_does_not_offer_a_theme() {
    let home = Home::new();
    let out = run(home.cmd().args(["serve", "--help"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("--theme"), "{}", out.stdout);
    let out = run(home.cmd().arg("--help"));
    assert!(out.stdout.contains("--theme"), "the console still has it");
}

#[test]
fn rollback_takes_a_strategy_and_a_scope_and_the_plan_says_what_they_do() {
    let home = Home::new();
    let out = run(home.cmd().args([
        "--speed",
        "60",
        "rollback",
        "--to",
        "v40",
        "--components",
        "web",
        "--strategy",
        "50%",
        "--yes",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in [
        "time     ~45s: 4 machines, 2 at a time, cold start ~20s each, then a 5s health check",
        "strategy rolling, 2 at a time (50%)",
        "scope    web, all regions",
        "warn     only web moves to v40; the rest stays on v42",
    ] {
        assert!(out.stdout.contains(line), "`{line}` in:\n{}", out.stdout);
    }
    assert!(out.stdout.contains("rollback completed"), "{}", out.stdout);

    // What the platform does not have is refused before anything is asked.
    let out = run(home
        .cmd()
        .args(["rollback", "--to", "v41", "--components", "cron", "--yes"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("v41 has no components `cron` (it has web, worker)"),
        "{}",
        out.stderr
    );
    let out = run(home
        .cmd()
        .args(["rollback", "--to", "v41", "--strategy", "fast"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("is not a strategy"), "{}", out.stderr);
    let out = run(home
        .cmd()
        .args(["redeploy", "v41", "--regions", "eu-west-1", "--yes"]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("a redeploy has no strategy or scope"),
        "{}",
        out.stderr
    );
}
