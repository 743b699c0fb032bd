//! The command line: parse (in `args`), resolve config and backend (in `resolve`), then hand
//! over to the console or to a non-interactive command.

mod args;
pub mod resolve;

pub use crate::commands::args::{
    Confirm, GuardArgs, ListArgs, OperationArgs, Output, PathsArgs, PromoteArgs, RedeployArgs,
    RollbackArgs, StatusArgs, Target, Where,
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
            Self::Operation(_) => "operation",
            Self::Guard(_) => "guard",
            Self::Paths(_) => "paths",
            Self::Serve(_) => "serve",
            Self::Completions(_) => "completions",
            Self::Man => "man",
        }
    }

    /// What stdout holds: text, one JSON document, or JSON lines.
    pub fn output(&self) -> Output {
        match self {
            Self::List(a) => a.at.output(),
            Self::Status(a) => a.at.output(),
            Self::Rollback(a) => a.at.output(),
            Self::Promote(a) => a.at.output(),
            Self::Redeploy(a) => a.at.output(),
            Self::Operation(a) => a.at.output(),
            Self::Guard(a) => a.at.output(),
            Self::Paths(a) if a.json => Output::Json,
            Self::Paths(_) | Self::Serve(_) | Self::Completions(_) | Self::Man => Output::Text,
        }
    }
}

/// Runs what the command line asks for. Errors that are the engineer's to fix (config,
/// usage, platform refusals) are reported here and become exit codes; an `Err` is a fault
/// worth a full report.
pub async fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    let json = cli.command.as_ref().map_or(Output::Text, Command::output);
    match &cli.command {
        Some(Command::Completions(args)) => return Ok(generated::completions(args.shell)),
        Some(Command::Man) => return Ok(generated::man()),
        _ => {}
    }
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
            Err(error) => return Ok(fail(&CommandError::from(error), Output::Text)),
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
            Err(error) => fail(
                &CommandError::usage(format!("serve: {error:#}")),
                Output::Text,
            ),
        });
    }
    // Keep the guard to the end: it flushes the log file.
    let _log_guard = match crate::logging::init(&paths.log_file) {
        Ok(guard) => Some(guard),
        Err(error) => {
            commands::out::tell!("switchback: logging is off: {error}");
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
            let in_process = ctx.in_process();
            let setup = crate::console::Setup {
                backend: ctx.backend,
                backend_name: ctx.backend_name,
                config: ctx.config,
                theme: cli.global.theme.clone(),
                config_path: location.path.exists().then(|| location.path.clone()),
            };
            match crate::console::run(setup).await {
                Ok(ended) => {
                    // The terminal is restored: say what was left running, and where to
                    // follow it.
                    for op in &ended.stopped {
                        commands::out::tell!("{}", commands::operation::stopped_on_exit(op));
                    }
                    if let Some(op) = ended.in_flight
                        && !ended.stopped.iter().any(|s| s.id == op.id)
                    {
                        commands::out::tell!(
                            "{}",
                            commands::operation::left_running(&op.id, &op.env, in_process)
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                // A bad theme or no terminal: the engineer's to fix, said plainly (exit 2).
                Err(report) => match report.downcast_ref::<crate::console::StartProblem>() {
                    Some(problem) => Ok(fail(
                        &CommandError::usage(problem.to_string()),
                        Output::Text,
                    )),
                    None => Err(report),
                },
            }
        }
        Some(command) => {
            exit_quietly_when_the_reader_goes();
            if ctx.in_process() {
                commands::out::tell!("{}", commands::DEMO_NOTE);
            }
            let ctx = ctx.with_deadline(Deadline::new(cli.global.timeout));
            let outcome = ctx
                .deadline
                .bound(command.name(), dispatch(&ctx, command))
                .await;
            for op in ctx.backend.shutdown().await {
                commands::out::tell!("{}", commands::operation::stopped_on_exit(&op));
            }
            let origin = ctx.origin();
            // The process ends next: freeing the backend (the demo's platform model holds
            // every generated deployment) would cost more than a short command itself, so
            // it is left to the exit, as the console does.
            std::mem::forget(ctx);
            match outcome {
                Ok(exit) => Ok(exit.into()),
                Err(error) => Ok(report(&error, json, Some(&origin))),
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
            operate::run(ctx, Kind::Rollback, &args.target, &args.at, &args.confirm).await
        }
        Command::Promote(args) => {
            operate::run(ctx, Kind::Promote, &args.target, &args.at, &args.confirm).await
        }
        Command::Redeploy(args) => {
            let kind = Kind::Redeploy {
                rebuild: args.rebuild,
            };
            operate::run(ctx, kind, &args.target, &args.at, &args.confirm).await
        }
        Command::Operation(args) => commands::operation::run(ctx, args).await,
        Command::Guard(args) => commands::guard::run(ctx, args).await,
        Command::Paths(_) | Command::Serve(_) | Command::Completions(_) | Command::Man => Err(
            CommandError::usage(format!("`{}` needs no backend", command.name())),
        ),
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

/// Reports an error on stderr in one line (and as JSON on stdout under `--json` or
/// `--output jsonl`).
fn fail(error: &CommandError, output: Output) -> ExitCode {
    report(error, output, None)
}

/// [`fail`] for a command that reached its backend: an error its platform caused (an
/// answer, a refusal, a bound, the deadline) names the platform and the backend.
fn report(error: &CommandError, output: Output, origin: Option<&commands::Origin>) -> ExitCode {
    tracing::warn!(%error, "command failed");
    commands::out::tell!("switchback: {}", one_line(&error.said(origin)));
    let doc = error.to_json_from(origin);
    match output {
        Output::Json => commands::print_json(&doc),
        Output::Jsonl => commands::print_json_line(&commands::event("error", doc)),
        Output::Text => {}
    }
    error.exit().into()
}

/// A message's lines joined, so an error is one line a log or a CI job shows whole.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A command-line mistake as one line with the product's prefix, exit 2; help and
/// `--version` print as clap prints them.
pub fn parse_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return if error.use_stderr() {
            ExitCode::from(commands::Exit::Usage.code())
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = error.render().to_string();
    let said: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:"))
        .filter(|line| !line.is_empty())
        .collect();
    let message = said.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let help = match subcommand_named(std::env::args().skip(1)) {
        Some(name) => format!("switchback {name} --help"),
        None => "switchback --help".to_owned(),
    };
    commands::out::tell!("switchback: {message} (see `{help}`)");
    ExitCode::from(commands::Exit::Usage.code())
}

/// The first word on the command line that names a command.
fn subcommand_named(args: impl Iterator<Item = String>) -> Option<String> {
    use clap::CommandFactory;
    let cli = Cli::command();
    args.into_iter()
        .find(|arg| cli.get_subcommands().any(|c| c.get_name() == arg))
}

mod generated {
    //! Shell completions and the manual page, from the same clap definitions as the parser.

    use super::Cli;
    use clap::CommandFactory;
    use std::process::ExitCode;

    pub fn completions(shell: clap_complete::Shell) -> ExitCode {
        let mut command = Cli::command();
        clap_complete::generate(shell, &mut command, "switchback", &mut std::io::stdout());
        ExitCode::SUCCESS
    }

    pub fn man() -> ExitCode {
        let page = clap_mangen::Man::new(Cli::command());
        match page.render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                crate::commands::out::tell!("switchback: cannot write the manual page: {error}");
                ExitCode::from(crate::commands::Exit::Backend.code())
            }
        }
    }
}
