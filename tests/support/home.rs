//! The `switchback` binary run as a script runs it: in its own HOME and XDG folders, so no
//! real config, log or state is touched, with a config file written there.

use std::path::PathBuf;
use tempfile::TempDir;

pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes `text` where the binary looks for its config by default.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let folder = self.dir.path().join("config").join("switchback");
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Writes `text` to a file `name` in this home; its path.
    #[allow(dead_code)] // not every crate that takes this file writes one
    pub fn write_file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    /// The binary with this home and nothing else from the environment but `PATH`; async,
    /// so fakes on the test's runtime keep answering while it runs.
    pub fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchback"));
        command
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("USER", "oncall")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .kill_on_drop(true);
        command
    }
}
