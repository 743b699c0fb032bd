//! Where the commands' human output is written. Every line passes [`crate::text::inert`]
//! on its way, so no platform string reaches the terminal (or a log a human reads) as a
//! control sequence. `--json` is written elsewhere, losslessly.

use crate::text::inert_lines;
use std::fmt;

/// One line of output on stdout.
pub fn write_out(args: fmt::Arguments<'_>) {
    println!("{}", inert_lines(&args.to_string()));
}

/// One message on stderr.
pub fn write_err(args: fmt::Arguments<'_>) {
    eprintln!("{}", inert_lines(&args.to_string()));
}

/// `println!` for the commands, made inert.
macro_rules! say {
    () => {
        $crate::commands::out::write_out(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::commands::out::write_out(format_args!($($arg)*))
    };
}

/// `eprintln!` for the commands, made inert.
macro_rules! tell {
    ($($arg:tt)*) => {
        $crate::commands::out::write_err(format_args!($($arg)*))
    };
}

pub(crate) use {say, tell};
