//! The real binary as a script runs it, against the hostile platform: its own home, the
//! token in its variable, and a kill deadline so a command that never ends fails the test
//! instead of hanging it.

use crate::server::{CANARY, TOKEN_VAR};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Far beyond any `--timeout` these tests give: only a command that never ends reaches it.
const KILL_AFTER: Duration = Duration::from_secs(120);

pub struct Client {
    pub home: tempfile::TempDir,
    config: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Run {
    pub fn out(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    pub fn err(&self) -> String {
        String::from_utf8(self.stderr.clone()).expect("stderr is UTF-8")
    }
}

impl Client {
    pub fn new(url: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[[backends]]\nkind = \"http\"\nname = \"hostile\"\nurl = \"{url}\"\ntoken-env = \"{TOKEN_VAR}\"\nrequest-timeout = \"2s\"\n\n[poll]\noperation = \"50ms\"\n"
            ),
        )
        .unwrap();
        Self { home, config }
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchback"));
        command
            .env_clear()
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("USER", "oncall")
            .env("SWITCHBACK_LOG", "trace")
            .env("RUST_BACKTRACE", "1")
            .env(TOKEN_VAR, CANARY)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        let output = tokio::time::timeout(KILL_AFTER, self.command(args).output())
            .await
            .unwrap_or_else(|_| panic!("`switchback {}` did not end", args.join(" ")))
            .unwrap();
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: output.stderr,
        };
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            !stderr.contains("panicked") && run.code != 101,
            "`switchback {}` panicked:\n{stderr}",
            args.join(" ")
        );
        run
    }

    /// Every file the binary wrote in its home (the log among them), as text.
    pub fn written_files(&self) -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.home.path(), &mut out);
        out
    }
}
