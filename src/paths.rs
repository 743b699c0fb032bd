//! Where switchback keeps its files: the platform's config and data directories, found with
//! `directories` (XDG on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on
//! Windows).

use directories::ProjectDirs;
use std::path::PathBuf;

/// The file locations of this user on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// The default config file, `config.toml` in the config directory.
    pub config_file: PathBuf,
    pub config_dir: PathBuf,
    /// Logs and other state.
    pub data_dir: PathBuf,
    pub log_file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory to keep switchback's files in (is HOME set?)")]
pub struct NoHomeDirectory;

/// The log file's name inside the data directory.
pub const LOG_FILE_NAME: &str = "switchback.log";

impl Paths {
    /// The standard locations for the current user.
    pub fn discover() -> Result<Self, NoHomeDirectory> {
        let dirs = ProjectDirs::from("dev", "switchback", "switchback").ok_or(NoHomeDirectory)?;
        Ok(Self::under(
            dirs.config_dir().to_owned(),
            dirs.data_dir().to_owned(),
        ))
    }

    /// The layout under a given config and data directory.
    pub fn under(config_dir: PathBuf, data_dir: PathBuf) -> Self {
        Self {
            config_file: config_dir.join("config.toml"),
            config_dir,
            log_file: data_dir.join(LOG_FILE_NAME),
            data_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_log_files_live_in_their_directories() {
        let paths = Paths::under("/c/switchback".into(), "/d/switchback".into());
        assert_eq!(
            paths.config_file,
            PathBuf::from("/c/switchback/config.toml")
        );
        assert_eq!(
            paths.log_file,
            PathBuf::from("/d/switchback/switchback.log")
        );
    }
}
