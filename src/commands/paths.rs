//! `switchback paths`: where the files are.

use super::Exit;
use crate::cli::resolve::ConfigLocation;
use crate::paths::Paths;
use serde_json::json;

pub fn run(paths: &Paths, config: &ConfigLocation, json: bool) -> Exit {
    if json {
        super::print_json(&json!({
            "config_file": config.path,
            "config_source": config.source.as_str(),
            "config_exists": config.path.exists(),
            "default_config_file": paths.config_file,
            "data_dir": paths.data_dir,
            "log_file": paths.log_file,
        }));
    } else {
        let exists = if config.path.exists() {
            ""
        } else {
            " (not there: defaults and the demo)"
        };
        println!("config file  {}{exists}", config.path.display());
        if config.path != paths.config_file {
            println!(
                "  (from {}; the default is {})",
                config.source.as_str(),
                paths.config_file.display()
            );
        }
        println!("data dir     {}", paths.data_dir.display());
        println!("log file     {}", paths.log_file.display());
    }
    Exit::Completed
}
