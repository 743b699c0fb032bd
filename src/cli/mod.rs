//! The command line: parse (in `args`), resolve config and backend (in `resolve`), then hand
//! over to the console or to a non-interactive command.

mod args;
pub mod resolve;

pub use crate::commands::args::{
    Confirm, ListArgs, PathsArgs, PromoteArgs, RedeployArgs, RollbackArgs, StatusArgs, Where,
};
pub use args::{Cli, Command, GlobalOptions};

use crate::commands::{self, CommandError, Context, Deadline};
use crate::paths::Paths;
use std::process::ExitCode;

impl Command {
    /// The command's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::List(_) => "list",
            Self::Status(_) => "status",
            Self::Rollback(_) => "rollback",
            Self::Promote(_) => "promote",
            Self::Redeploy(_) => "redeploy",
            Self::Paths(_) => "paths",
            Self::Serve(_) => "serve",
        }
    }

    /// Whether the command was asked for one JSON document.
    pub fn json(&self) -> bool {
        match self {
            Self::List(a) => a.at.json,
            Self::Status(a) => a.at.json,
            Self::Rollback(a) => a.at.json,
            Self::Promote(a) => a.at.json,
            Self::Redeploy(a) => a.at.json,
            Self::Paths(a) => a.json,
            Self::Serve(_) => false,
        }
    }
}

/// Runs what the command line asks for. Errors that are the engineer's to fix (config,
/// usage, platform refusals) are reported here and become exit codes; an `Err` is a fault
/// worth a full report.
pub async fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    let json = cli.command.as_ref().is_some_and(Command::json);
    let paths = match Paths::discover() {
        Ok(paths) => paths,
        Err(error) => return Ok(fail(&CommandError::Setup(error.to_string()), json)),
    };
    let location =
        resolve::locate_config(&cli.global, std::env::var(resolve::CONFIG_VAR).ok(), &paths);
    if let Some(Command::Paths(args)) = &cli.command {
        return Ok(commands::paths::run(
            &paths,
            &location.path,
            location.source.as_str(),
            args.json,
        )
        .into());
    }
    if let Some(Command::Serve(args)) = &cli.command {
        // The server logs to stderr (its access log), not to the console's log file.
        let config = match resolve::load_config(&location) {
            Ok(config) => config,
            Err(error) => return Ok(fail(&CommandError::from(error), false)),
        };
        let args = crate::serve::ServeArgs {
            scenario: args
                .scenario
                .clone()
                .or_else(|| cli.global.scenario.clone()),
            speed: args.speed.or(cli.global.speed),
            ..args.clone()
        };
        return Ok(match crate::serve::run(args, config).await {
            Ok(()) => ExitCode::SUCCESS,
            // Unset token variables, unknown scenarios, an address in use: all the
            // operator's to fix, so a sentence and exit code 2 rather than a report.
            Err(error) => fail(&CommandError::usage(format!("serve: {error:#}")), false),
        });
    }
    // Keep the guard to the end: it flushes the log file.
    let _log_guard = match crate::logging::init(&paths.log_file) {
        Ok(guard) => Some(guard),
        Err(error) => {
            eprintln!("switchback: logging is off: {error}");
            None
        }
    };
    let ctx = match prepare(&cli, &location) {
        Ok(ctx) => ctx,
        Err(error) => return Ok(fail(&error, json)),
    };
    tracing::info!(backend = %ctx.backend_name, kind = ctx.backend.kind(), "starting");
    match &cli.command {
        None => {
            let setup = crate::console::Setup {
                backend: ctx.backend,
                backend_name: ctx.backend_name,
                config: ctx.config,
                theme: cli.global.theme.clone(),
                config_path: location.path.exists().then(|| location.path.clone()),
            };
            match crate::console::run(setup).await {
                Ok(()) => Ok(ExitCode::SUCCESS),
                // A bad theme or no terminal: the engineer's to fix, said plainly (exit 2).
                Err(report) => match report.downcast_ref::<crate::console::StartProblem>() {
                    Some(problem) => Ok(fail(&CommandError::usage(problem.to_string()), false)),
                    None => Err(report),
                },
            }
        }
        Some(command) => {
            exit_quietly_when_the_reader_goes();
            let ctx = ctx.with_deadline(Deadline::new(cli.global.timeout));
            let outcome = ctx
                .deadline
                .bound(command.name(), dispatch(&ctx, command))
                .await;
            // The process ends next: freeing the backend (the demo's platform model holds
            // every generated deployment) would cost more than a short command itself, so
            // it is left to the exit, as the console does.
            std::mem::forget(ctx);
            match outcome {
                Ok(exit) => Ok(exit.into()),
                Err(error) => Ok(fail(&error, json)),
            }
        }
    }
}

/// Runs one command against the backend. `paths` and `serve` are handled before a backend
/// is built.
async fn dispatch(ctx: &Context, command: &Command) -> Result<commands::Exit, CommandError> {
    use commands::operate::{self, Kind};
    match command {
        Command::List(args) => commands::list::run(ctx, args).await,
        Command::Status(args) => commands::status::run(ctx, args).await,
        Command::Rollback(args) => {
            operate::run(ctx, Kind::Rollback, &args.to, &args.at, &args.confirm).await
        }
        Command::Promote(args) => {
            operate::run(
                ctx,
                Kind::Promote,
                &args.deployment,
                &args.at,
                &args.confirm,
            )
            .await
        }
        Command::Redeploy(args) => {
            let kind = Kind::Redeploy {
                rebuild: args.rebuild,
            };
            operate::run(ctx, kind, &args.deployment, &args.at, &args.confirm).await
        }
        Command::Paths(_) => Err(CommandError::usage("`paths` needs no backend")),
        Command::Serve(_) => Err(CommandError::usage("`serve` runs its own platform")),
    }
}

/// `switchback list | head` closes the pipe early: like other command-line tools, end
/// quietly on the next write instead of reporting a failed print as a crash. Not for the
/// console (a terminal) nor `serve` (a closed socket must not end the server).
fn exit_quietly_when_the_reader_goes() {
    // SAFETY: restores the default disposition of one signal; no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Config, backend choice and the backend itself.
fn prepare(cli: &Cli, location: &resolve::ConfigLocation) -> Result<Context, CommandError> {
    let config = resolve::load_config(location)?;
    let chosen = resolve::choose_backend(&config, &cli.global)
        .map_err(|e| CommandError::usage(e.to_string()))?;
    let backend = crate::connect::backend(&chosen, config.metrics.as_ref())
        .map_err(|e| CommandError::usage(e.to_string()))?;
    Ok(Context::new(backend, chosen.name(), config))
}

/// Reports an error on stderr (and as a JSON document on stdout under `--json`).
fn fail(error: &CommandError, json: bool) -> ExitCode {
    tracing::warn!(%error, "command failed");
    eprintln!(
        "switchback: {}",
        crate::text::inert_lines(&error.to_string())
    );
    if json {
        crate::commands::print_json(&error.to_json());
    }
    error.exit().into()
}
