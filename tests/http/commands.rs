//! The commands against an `http` backend, through the real binary: what a script sees
//! when the platform stalls, rate limits beyond reason, or never answers.

use crate::proxy::{Fault, FaultProxy};
use crate::support::*;
use std::time::Duration;

struct Run {
    code: i32,
    stderr: String,
}

/// `switchback ARGS` against `url`, with its own home and a 300 ms request timeout.
async fn switchback(url: &str, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nkind = \"http\"\nname = \"shared\"\nurl = \"{url}\"\ntoken-env = \"{DEPLOYER_VAR}\"\nrequest-timeout = \"300ms\"\n"
        ),
    )
    .unwrap();
    let mut command = assert_cmd::Command::cargo_bin("switchback").unwrap();
    command
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env(DEPLOYER_VAR, DEPLOYER_TOKEN)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--config")
        .arg(&config)
        .args(args)
        .write_stdin("");
    // The platform answers from this process: wait for the binary on another thread.
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    drop(home);
    Run {
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redeploy_the_platform_created_but_never_answered_is_done_once_and_says_so() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    let before = platform.deployment_count().await;
    // Every answer to the redeploy arrives after the client gave up.
    proxy.script_for(
        "/redeploy",
        vec![Fault::StallAnswer(Duration::from_secs(5)); 8],
    );
    let run = switchback(&proxy.url(), &["redeploy", "v41", "--yes"]).await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the redeploy may have happened; look before trying again"),
        "{}",
        run.stderr
    );
    let keys = proxy.idempotency_keys("/redeploy");
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|key| key.is_some() && *key == keys[0]),
        "every attempt carried the same key: {keys:?}"
    );
    assert_eq!(platform.operations(&prod()).await.len(), 1);
    assert_eq!(platform.deployment_count().await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_of_u64_max_seconds_ends_the_command_at_once_with_the_wait_named() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    proxy.script([Fault::Answer {
        status: 429,
        content_type: "text/plain",
        body: "slow down".into(),
        headers: vec![("retry-after", u64::MAX.to_string())],
    }]);
    let run = switchback(&proxy.url(), &["status", "--timeout", "20s"]).await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "rate limited by the platform: it asked to wait 213503982334601 days before trying again"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(proxy.requests().len(), 1, "not asked again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_that_never_answers_ends_the_command_at_its_deadline() {
    let platform = Platform::start().await;
    let proxy = FaultProxy::start(platform.addr).await;
    // Every request is held until the test ends: each attempt times out (300 ms), and the
    // adapter's four attempts with their backoff would take longer than the deadline.
    let never = std::sync::Arc::new(tokio::sync::Notify::new());
    proxy.script(vec![Fault::Gate(never.clone()); 8]);
    let run = switchback(&proxy.url(), &["list", "--timeout", "1s"]).await;
    assert_eq!(run.code, 8, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "gave up after 1s waiting for the platform's answers to `switchback list`; nothing was changed"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_through_a_flaky_network_is_performed_once() {
    // Every 4th platform call is slow (longer than the request timeout) and every 5th
    // fails, before or after taking effect: reads are repeated, the operation re-sent
    // with its key.
    let platform = Platform::start_scenario("flaky").await;
    let run = switchback(
        &platform.url(),
        &["rollback", "--to", "v41", "--yes", "--no-wait"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ops = platform.operations(&prod()).await;
    assert_eq!(ops.len(), 1, "{ops:#?}");
}
