//! `switchback paths`: where the files are.

use super::Exit;
use super::out::say;
use crate::paths::Paths;
use serde_json::json;
use std::path::Path;

pub fn run(paths: &Paths, config_file: &Path, config_source: &str, json: bool) -> Exit {
    if json {
        super::print_json(&json!({
            "config_file": config_file,
            "config_source": config_source,
            "config_exists": config_file.exists(),
            "default_config_file": paths.config_file,
            "data_dir": paths.data_dir,
            "log_file": paths.log_file,
        }));
    } else {
        let exists = if config_file.exists() {
            ""
        } else {
            " (not there: defaults and the demo)"
        };
        say!("config file  {}{exists}", config_file.display());
        if config_file != paths.config_file {
            say!(
                "  (from {}; the default is {})",
                config_source,
                paths.config_file.display()
            );
        }
        say!("data dir     {}", paths.data_dir.display());
        say!("log file     {}", paths.log_file.display());
    }
    Exit::Completed
}
