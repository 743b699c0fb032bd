//! `switchback redeploy` against the fake Unkey, through the real binary: a deployment
//! Unkey created whose answer was lost is never created twice, and the engineer is told to
//! look before trying again.

use super::*;
use fake::Scripted;

const KEY_VAR: &str = "SWITCHBACK_UNKEY_BINARY_KEY";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redeploy_whose_answer_is_lost_is_sent_once_and_may_have_happened() {
    let mut state = world();
    state
        .scripted
        .push(Scripted::cut("deployments.createDeployment"));
    let fake = fake::Fake::start(state).await;
    let before = fake.with(|s| s.deployments.len());
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nkind = \"unkey\"\nname = \"unkey\"\nbase-url = \"{}\"\ntoken-env = \"{KEY_VAR}\"\n",
            fake.base_url
        ),
    )
    .unwrap();
    let mut command = assert_cmd::Command::cargo_bin("switchback").unwrap();
    command
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env(KEY_VAR, fake::FULL_KEY)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--config")
        .arg(&config)
        .args([
            "redeploy",
            GOOD,
            "--rebuild",
            "--env",
            "web/production",
            "--yes",
        ])
        .write_stdin("");
    // The fake answers from this process: wait for the binary on another thread.
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(
        stderr.contains(
            "the request to redeploy d_good0001 may have happened; look before trying again"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(fake::FULL_KEY), "{stderr}");
    assert_eq!(fake.calls("deployments.createDeployment"), 1);
    assert_eq!(
        fake.with(|s| s.deployments.len()),
        before + 1,
        "Unkey created one deployment"
    );
}
