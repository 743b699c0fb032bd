//! The command line, declared with clap. Global options work before or after a subcommand.

use crate::commands::args::{
    CompletionsArgs, GuardArgs, ListArgs, OperationArgs, PathsArgs, PromoteArgs, RedeployArgs,
    RollbackArgs, StatusArgs,
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "switchback",
    version = VERSION,
    about = "A terminal operations console for on-call engineers: see the error rate, pick the last good deployment, roll back, watch it recover.",
    after_help = "With no command, opens the console. Exit codes: 0 completed (guard: the window passed clean), 1 not confirmed, 2 usage or config error, 3 refused by the platform, 4 conflict (live changed), 5 operation failed, 6 backend unreachable or other error, 7 an operation may have happened (no clear answer; look before trying again), 8 timed out before anything was sent, 9 guard: breach held, nothing done, 10 guard: breach held, rolled back, 11 guard: too little traffic to judge, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The version and the commit it was built from (`0.1.0 (3f1c0a9)`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SWITCHBACK_COMMIT"),
    ")"
);

/// Options every command understands, anywhere on the line.
#[derive(Clone, Debug, Default, PartialEq, Args)]
pub struct GlobalOptions {
    /// Config file [default: $SWITCHBACK_CONFIG, else config.toml in the config directory]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Which configured backend to use (default: the first)
    #[arg(long, global = true, value_name = "NAME")]
    pub backend: Option<String>,
    /// Use the embedded demo platform whatever the config says
    #[arg(long, global = true)]
    pub demo: bool,
    /// Demo scenario: a built-in name or a scenario file (implies --demo)
    #[arg(long, global = true, value_name = "NAME_OR_PATH")]
    pub scenario: Option<String>,
    /// Colour theme for the console
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Run demo time this many times faster than real time
    #[arg(long, global = true, value_name = "N", value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// Give up on a command after this long waiting for the platform, e.g. 30s, 2m [default:
    /// 2m before an operation is sent; following one is bounded only when this is given]
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match humantime_serde::re::humantime::parse_duration(text) {
        Ok(duration) if duration.is_zero() => Err("must be longer than 0".to_owned()),
        Ok(duration) => Ok(duration),
        Err(error) => Err(format!(
            "`{text}` is not a duration like 30s or 2m ({error})"
        )),
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        Ok(_) => Err("must be a number greater than 0".to_owned()),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List an environment's deployments, newest first
    List(ListArgs),
    /// Show each environment's live deployment, mode, domains and error rate
    Status(StatusArgs),
    /// Roll an environment back to an earlier deployment (default: the last good one)
    Rollback(RollbackArgs),
    /// Promote a deployment: move the domains to it and leave rolled-back mode
    Promote(PromoteArgs),
    /// Redeploy a deployment: a new deployment from the same artifact (or commit, with --rebuild)
    Redeploy(RedeployArgs),
    /// Show an operation by id: status, steps, log, result (--follow waits for its end)
    Operation(OperationArgs),
    /// Watch the live deployment's error rate after a deploy; with --rollback, roll back by
    /// itself when a breach holds
    Guard(GuardArgs),
    /// Print where the config file, data directory and log file are
    Paths(PathsArgs),
    /// Serve the demo platform over the documented HTTP API (docs/api.md)
    Serve(crate::serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `switchback man | man -l -`
    Man,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_before_and_after_the_subcommand() {
        let before =
            Cli::try_parse_from(["switchback", "--demo", "--speed", "5", "list", "--json"])
                .unwrap();
        let after = Cli::try_parse_from(["switchback", "list", "--json", "--demo", "--speed", "5"])
            .unwrap();
        assert_eq!(before.global, after.global);
        assert!(before.global.demo);
        assert_eq!(before.global.speed, Some(5.0));
    }

    #[test]
    fn timeouts_are_durations_greater_than_zero() {
        let cli = Cli::try_parse_from(["switchback", "status", "--timeout", "90s"]).unwrap();
        assert_eq!(cli.global.timeout, Some(Duration::from_secs(90)));
        let cli = Cli::try_parse_from(["switchback", "--timeout", "2m", "list"]).unwrap();
        assert_eq!(cli.global.timeout, Some(Duration::from_secs(120)));
        assert_eq!(
            Cli::try_parse_from(["switchback", "list"])
                .unwrap()
                .global
                .timeout,
            None
        );
        for bad in ["0s", "soon", "5"] {
            let error = Cli::try_parse_from(["switchback", "list", "--timeout", bad]).unwrap_err();
            assert!(error.to_string().contains("--timeout"), "{bad}: {error}");
        }
    }

    #[test]
    fn one_grammar_for_every_operation() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["switchback"], args].concat());
        let named = |args: &[&str]| match parse(args).unwrap().command {
            Some(Command::Rollback(a)) => a.target.name().map(str::to_owned),
            Some(Command::Promote(a)) => a.target.name().map(str::to_owned),
            Some(Command::Redeploy(a)) => a.target.name().map(str::to_owned),
            other => panic!("{other:?}"),
        };
        assert_eq!(named(&["rollback"]), None, "the default: last good");
        assert_eq!(named(&["rollback", "v41"]).as_deref(), Some("v41"));
        assert_eq!(named(&["rollback", "--to", "v41"]).as_deref(), Some("v41"));
        assert_eq!(named(&["promote", "--to", "v41"]).as_deref(), Some("v41"));
        assert_eq!(named(&["redeploy", "d5414e8"]).as_deref(), Some("d5414e8"));
        assert!(parse(&["rollback", "v41", "--to", "v40"]).is_err());
        assert!(parse(&["promote"]).is_err());
        assert!(parse(&["redeploy", "--rebuild"]).is_err());
        assert!(parse(&["list", "--json", "--output", "jsonl"]).is_err());
    }

    #[test]
    fn speed_must_be_positive() {
        assert!(Cli::try_parse_from(["switchback", "--speed", "0"]).is_err());
        assert!(Cli::try_parse_from(["switchback", "--speed", "-2"]).is_err());
        assert!(Cli::try_parse_from(["switchback", "--speed", "fast"]).is_err());
    }
}
