//! The `switchback` binary: parse the command line, start the runtime, hand over.

use clap::Parser;
use std::process::ExitCode;
use switchback::cli::Cli;

fn main() -> color_eyre::Result<ExitCode> {
    color_eyre::install()?;
    switchback::net::secrets::hide_in_panic_reports();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return Ok(switchback::cli::parse_error(&error)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(switchback::cli::run(cli)) {
        Ok(code) => Ok(code),
        // A fatal error may quote a platform: its chain is written inert, like every other
        // message of the program.
        Err(report) => {
            let text = format!("switchback: {report:#}");
            eprintln!("{}", switchback::text::inert_lines(&text));
            Ok(ExitCode::FAILURE)
        }
    }
}
