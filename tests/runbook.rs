//! The commands as a runbook or a pipeline uses them, through the real binary on the
//! embedded demo: one grammar, the default target, listing for scripts, the demo's note,
//! the guard's outcomes and exit codes, completions, the manual page and the version.

#[path = "support/home.rs"]
#[allow(dead_code)]
mod home;

use home::Home;
use serde_json::Value;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", self.stdout))
    }
}

async fn run(home: &Home, args: &[&str]) -> Run {
    let output = home
        .command()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `rollback` without a target, with a target, with `--to`; `promote --to`: one grammar.
#[tokio::test]
async fn targets_are_positional_and_to_is_the_same() {
    let home = Home::new();
    let positional = run(&home, &["rollback", "v41", "--yes", "--no-wait", "--json"]).await;
    assert_eq!(positional.code, 0, "{}", positional.stderr);
    assert_eq!(positional.json()["target"]["label"], "v41");
    assert_eq!(positional.json()["chosen_by"], "named");
    let to = run(
        &home,
        &["rollback", "--to", "v41", "--yes", "--no-wait", "--json"],
    )
    .await;
    assert_eq!(to.json()["target"]["label"], "v41");
    let promote = run(
        &home,
        &["promote", "--to", "v41", "--yes", "--no-wait", "--json"],
    )
    .await;
    assert_eq!(promote.code, 0, "{}", promote.stderr);
    assert_eq!(promote.json()["target"]["label"], "v41");
    // A commit prefix names v41 too.
    let sha = run(
        &home,
        &["rollback", "d5414e8", "--yes", "--no-wait", "--json"],
    )
    .await;
    assert_eq!(sha.code, 0, "{}", sha.stderr);
    assert_eq!(sha.json()["target"]["label"], "v41");
}

#[tokio::test]
async fn grammar_mistakes_are_one_line_with_the_product_prefix() {
    let home = Home::new();
    for (args, says) in [
        (&["promote"][..], "<TARGET|--to <TARGET>>"),
        (
            &["rollback", "v41", "--to", "v40"][..],
            "cannot be used with",
        ),
        (&["rollback", "--frobnicate"][..], "--frobnicate"),
    ] {
        let out = run(&home, args).await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {}", out.stderr);
        assert!(lines[0].starts_with("switchback: "), "{}", lines[0]);
        assert!(lines[0].contains(says), "{}", lines[0]);
        assert!(
            lines[0].contains(&format!("switchback {} --help", args[0])),
            "{}",
            lines[0]
        );
    }
    // A platform refusal with a suggestion is one line too.
    let pruned = run(&home, &["rollback", "v37", "--yes"]).await;
    assert_eq!(pruned.code, 3);
    let refusal: Vec<&str> = pruned
        .stderr
        .lines()
        .filter(|l| l.starts_with("switchback:"))
        .collect();
    assert_eq!(refusal.len(), 1, "{}", pruned.stderr);
    assert!(
        refusal[0].contains("(try: switchback redeploy v37 --rebuild)"),
        "{}",
        refusal[0]
    );
}

#[tokio::test]
async fn rollback_without_a_target_takes_last_good_and_says_why() {
    let home = Home::new();
    let out = run(&home, &["rollback", "--yes", "--no-wait"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("no target named: rollback goes to the last good deployment")
    );
    let why = lines.next().unwrap();
    assert!(
        why.starts_with("last good: v41, live 2h until 6m ago, 0.1") && why.contains("5xx"),
        "{why}"
    );
    assert!(
        out.stdout
            .contains("Roll back acme/storefront · Production: v42 → v41"),
        "{}",
        out.stdout
    );
    let json = run(&home, &["rollback", "--yes", "--no-wait", "--json"]).await;
    let doc = json.json();
    assert_eq!(doc["chosen_by"], "default: last-good");
    assert_eq!(doc["last_good"]["label"], "v41");
    assert!(doc["last_good"]["error_rate"].as_f64().unwrap() < 0.01);
}

#[tokio::test]
async fn rollback_without_a_target_refuses_when_nothing_qualifies() {
    let home = Home::new();
    let scenario = home.write_file("unhealthy.toml", &two_deployments(0.2, 0.3, 30.0));
    let out = run(
        &home,
        &["--scenario", &scenario, "rollback", "--yes", "--no-wait"],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no last good deployment")
            && out.stderr.contains("stayed under 1.0% 5xx"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("started"), "{}", out.stdout);
}

#[tokio::test]
async fn every_command_on_the_embedded_demo_says_it_starts_fresh() {
    let home = Home::new();
    let note = "demo: this run's platform starts fresh; switchback serve shares one";
    for args in [&["list"][..], &["status", "--json"][..]] {
        let out = run(&home, args).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr.trim(), note, "{args:?}");
        assert!(!out.stdout.contains("demo:"), "stdout stays clean");
    }
    let paths = run(&home, &["paths"]).await;
    assert!(!paths.stderr.contains("demo:"), "{}", paths.stderr);
    // Nothing claims the operation goes on somewhere after the command.
    let no_wait = run(&home, &["rollback", "v41", "--yes", "--no-wait"]).await;
    assert!(
        no_wait
            .stdout
            .contains("the embedded demo ends with this command"),
        "{}",
        no_wait.stdout
    );
    assert!(!no_wait.stdout.contains("goes on"), "{}", no_wait.stdout);
}

#[tokio::test]
async fn a_redeploy_says_which_deployment_goes_live_and_tells_each_line_once() {
    let home = Home::new();
    let out = run(
        &home,
        &["--speed", "120", "redeploy", "v41", "--rebuild", "--yes"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stdout = &out.stdout;
    assert!(
        stdout
            .contains("live     v42 → the new deployment: it goes live when ready, replacing v42"),
        "{stdout}"
    );
    assert!(
        stdout.contains("new deployment v43 (from v41) is live, replacing v42"),
        "{stdout}"
    );
    assert!(!stdout.contains("dep_"), "labels, not ids: {stdout}");
    let progress: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("operation "))
        .take_while(|l| !l.starts_with("redeploy "))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for line in &progress {
        assert!(seen.insert(*line), "told twice: {line}\n{stdout}");
    }
    assert!(
        !progress.iter().any(|l| l.contains("status  completed")),
        "the result comes after the steps: {stdout}"
    );
    let last_step = progress.iter().rposition(|l| l.contains("step ")).unwrap();
    assert!(last_step > 0);
}

#[tokio::test]
async fn list_uses_the_consoles_columns_and_refuses_a_limit_of_zero() {
    let home = Home::new();
    let out = run(&home, &["list"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: Vec<&str> = out.stdout.lines().skip(2).collect();
    let v42 = rows.iter().find(|l| l.contains("v42 ")).unwrap();
    assert!(v42.starts_with("● v42"), "{v42}");
    assert!(v42.contains("live") && v42.contains("Index orders by customer"));
    let v40 = rows.iter().find(|l| l.contains("v40 ")).unwrap();
    assert!(v40.contains(" 1d ") && !v40.contains("26h"), "{v40}");
    let v37 = rows.iter().find(|l| l.contains("v37")).unwrap();
    assert!(v37.contains("✗pruned"), "{v37}");
    let zero = run(&home, &["list", "--limit", "0"]).await;
    assert_eq!(zero.code, 2);
    assert!(zero.stderr.contains("--all"), "{}", zero.stderr);
}

#[tokio::test]
async fn a_bounded_list_says_how_many_more_and_all_lists_ten_thousand() {
    let home = Home::new();
    let bounded = run(&home, &["--scenario", "large", "list"]).await;
    assert_eq!(bounded.code, 0, "{}", bounded.stderr);
    assert!(
        bounded
            .stdout
            .contains("… 9,950 more (newest 50 shown): --limit 10000 or --all lists them"),
        "{}",
        bounded.stdout.lines().last().unwrap_or_default()
    );
    let json = run(
        &home,
        &["--scenario", "large", "list", "--limit", "7", "--json"],
    )
    .await;
    let doc = json.json();
    assert_eq!(doc["deployments"].as_array().unwrap().len(), 7);
    assert_eq!(
        (doc["shown"].as_u64(), doc["more"].as_u64()),
        (Some(7), Some(9_993))
    );
    let all = run(&home, &["--scenario", "large", "list", "--all"]).await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    let rows = all
        .stdout
        .lines()
        .filter(|l| l.starts_with("● v") || l.starts_with("  v"))
        .count();
    assert_eq!(rows, 10_000);
    assert!(!all.stdout.contains("more"));
    let lines = run(
        &home,
        &["--scenario", "large", "list", "--all", "--output", "jsonl"],
    )
    .await;
    let events: Vec<Value> = lines
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 10_002, "a head, every deployment, an end");
    assert_eq!(events.last().unwrap()["shown"], 10_000);
}

/// Two deployments in production: `v1` (old) and `v2` (live ten minutes), with their 5xx
/// shares, at `rps` requests a second.
fn two_deployments(v1_errors: f64, v2_errors: f64, rps: f64) -> String {
    format!(
        r#"[scenario]
name = "two"
seed = 5

[[projects]]
id = "acme/two"
image = "registry.example.com/acme/two"

[[projects.commits]]
sha = "3f1c0a9be2d84f6e9a7b5c3d1e0f2a4b6c8d0e1f"
subject = "Initial release"
author = "lee.w"

[[projects.commits]]
sha = "8a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b"
subject = "Rework the checkout"
author = "lee.w"

[[projects.environments]]
id = "production"
kind = "production"
rps = {rps}
domains = [{{ hostname = "two.example.com", kind = "custom" }}]

[[projects.environments.deployments]]
label = "v1"
commit = "3f1c0a9be2d84f6e9a7b5c3d1e0f2a4b6c8d0e1f"
age = "3days"
error_rate = {v1_errors}

[[projects.environments.deployments]]
label = "v2"
commit = "8a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b"
age = "10m"
error_rate = {v2_errors}
"#
    )
}

const FAST_GUARD: [&str; 6] = ["--every", "1s", "--hold", "2s", "--for", "6s"];

#[tokio::test]
async fn guard_rolls_a_bad_deploy_back_to_last_good() {
    let home = Home::new();
    let mut args = vec!["--speed", "60", "guard", "--rollback", "--yes"];
    args.extend(FAST_GUARD);
    let out = run(&home, &args).await;
    assert_eq!(out.code, 10, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("BREACH (over 1%"), "{}", out.stdout);
    assert!(
        out.stdout.contains("rolling back to v41 in"),
        "a countdown first: {}",
        out.stdout
    );
    assert!(out.stdout.contains("rollback completed"), "{}", out.stdout);
    assert!(
        out.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("rolled back to v41"),
        "{}",
        out.stdout
    );
    let json = {
        let mut args = vec!["--speed", "60", "guard", "--json"];
        args.extend(FAST_GUARD);
        run(&home, &args).await
    };
    assert_eq!(json.code, 9, "without --rollback: breached, nothing done");
    let doc = json.json();
    assert_eq!(doc["outcome"], "breached");
    assert!(doc["operation"].is_null());
    assert!(
        doc["looks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["verdict"] == "breach")
    );
}

#[tokio::test]
async fn guard_passes_a_good_deploy_and_streams_one_event_per_look() {
    let home = Home::new();
    let mut args = vec![
        "--scenario",
        "steady",
        "--speed",
        "60",
        "guard",
        "--output",
        "jsonl",
    ];
    args.extend(["--every", "1s", "--for", "3s"]);
    let out = run(&home, &args).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let events: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["watch", "look", "look", "look", "outcome"]);
    assert!(
        events[1..4].iter().all(|e| e["verdict"] == "ok"),
        "{events:?}"
    );
    assert_eq!(events[4]["outcome"], "clean");
}

#[tokio::test]
async fn guard_never_acts_on_too_little_traffic() {
    let home = Home::new();
    // Two requests a minute, a third of them failing.
    let scenario = home.write_file("quiet.toml", &two_deployments(0.001, 0.35, 0.04));
    let mut args = vec![
        "--scenario",
        &scenario,
        "--speed",
        "60",
        "guard",
        "--rollback",
        "--yes",
        "--min-requests",
        "20",
    ];
    args.extend(["--every", "1s", "--for", "3s"]);
    let out = run(&home, &args).await;
    assert_eq!(out.code, 11, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("too little traffic to judge"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("operation "), "{}", out.stdout);
}

#[tokio::test]
async fn guard_stops_when_another_engineer_changes_live() {
    let home = Home::new();
    // dana rolls production back twenty platform seconds in: one real second at 20x.
    let out = run(
        &home,
        &[
            "--scenario",
            "incident-race",
            "--speed",
            "20",
            "guard",
            "--rollback",
            "--yes",
            "--every",
            "1s",
            "--hold",
            "30s",
            "--for",
            "1m",
        ],
    )
    .await;
    assert_eq!(out.code, 4, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("live changed: v41 is live now (changed by dana)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("operation "), "{}", out.stdout);
}

#[tokio::test]
async fn ctrl_c_during_the_countdown_cancels_the_rollback() {
    let home = Home::new();
    let mut child = home
        .command()
        .args(["--speed", "60", "guard", "--rollback", "--yes"])
        .args(["--every", "1s", "--hold", "1h", "--for", "2h"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let counting_down = line.contains("rolling back to v41 in");
        seen.push(line);
        if counting_down {
            break;
        }
    }
    let pid = child.id().expect("still running") as libc::pid_t;
    // SAFETY: sends SIGINT to the child this test started.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.push(line);
    }
    let status = child.wait().await.unwrap();
    let seen = seen.join("\n");
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(
        seen.contains("the rollback is cancelled; nothing was done"),
        "{seen}"
    );
    assert!(!seen.contains("operation "), "{seen}");
}

#[tokio::test]
async fn guard_rollback_needs_yes() {
    let home = Home::new();
    let out = run(&home, &["guard", "--rollback"]).await;
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
}

#[tokio::test]
async fn completions_are_generated_for_each_shell_and_bash_parses_them() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&home, &["completions", shell]).await;
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for word in ["switchback", "rollback", "guard", "operation"] {
            assert!(out.stdout.contains(word), "{shell} lacks {word}");
        }
        assert!(out.stderr.is_empty(), "no demo note: {}", out.stderr);
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join(format!("switchback.{shell}"));
        std::fs::write(&script, &out.stdout).unwrap();
        // Parsed (not run) by the shell itself where it is installed.
        let check: Option<(&str, Vec<&str>)> = match shell {
            "bash" => Some(("bash", vec!["-n"])),
            "zsh" => Some(("zsh", vec!["-n"])),
            "fish" => Some(("fish", vec!["--no-execute"])),
            _ => None,
        };
        if let Some((program, flags)) = check {
            let installed = std::process::Command::new(program)
                .arg("-c")
                .arg("true")
                .output()
                .is_ok();
            if shell == "bash" {
                assert!(installed, "bash is needed to check the bash completions");
            }
            if installed {
                let parsed = std::process::Command::new(program)
                    .args(flags)
                    .arg(&script)
                    .output()
                    .unwrap();
                assert!(
                    parsed.status.success(),
                    "{shell} rejects its completions: {}",
                    String::from_utf8_lossy(&parsed.stderr)
                );
            }
        }
    }
    // Loaded into bash, `switchback ro<TAB>` offers rollback.
    let bash = run(&home, &["completions", "bash"]).await.stdout;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("switchback.bash");
    std::fs::write(&script, bash).unwrap();
    let offered = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(switchback ro); COMP_CWORD=1; COMP_LINE='switchback ro'; \
             COMP_POINT=13; _switchback switchback ro switchback; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&offered.stdout);
    assert!(offered.contains("rollback"), "{offered}");
}

#[tokio::test]
async fn the_manual_page_and_the_version_come_from_the_same_definitions() {
    let home = Home::new();
    let man = run(&home, &["man"]).await;
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH"),
        "{}",
        &man.stdout[..80]
    );
    assert!(man.stdout.contains("guard") && man.stdout.contains("completions"));
    let version = run(&home, &["--version"]).await;
    assert_eq!(version.code, 0);
    let line = version.stdout.trim();
    assert!(
        line.starts_with(&format!("switchback {} (", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match commit {
        Some(commit) => assert!(line.ends_with(&format!("({commit})")), "{line} vs {commit}"),
        None => assert!(line.ends_with("(unknown commit)"), "{line}"),
    }
}
