//! The non-interactive commands, for scripts and runbooks: the engine's first front end.
//!
//! Human output goes to stdout, messages and errors to stderr; with `--json`, stdout holds
//! exactly one JSON document. Exit codes are in [`Exit`]. Every command runs under a
//! [`Deadline`]; the network adapters repeat failed reads themselves (the kit's replay rule),
//! so nothing here repeats a call.

pub mod args;
mod briefing;
pub mod confirm;
mod deadline;
mod exit;
mod format;
pub mod guard;
pub mod list;
pub mod operate;
pub mod operation;
pub(crate) mod out;
pub mod paths;
mod report;
pub mod status;
mod story;
mod target;
mod wait;

pub use deadline::{DEFAULT_TIMEOUT, Deadline, Phase};
pub use exit::{CommandError, Exit, Origin, exit_for};
pub use operate::Report;

use crate::backend::Platform;
use crate::config::Config;

/// Said on stderr by every command on the embedded demo: its platform lives in this process.
pub const DEMO_NOTE: &str = "demo: this run's platform starts fresh; switchback serve shares one";

/// What every command works with.
pub struct Context {
    pub backend: Platform,
    /// The backend entry's name (`demo`, `prod-eu`).
    pub backend_name: String,
    pub config: Config,
    /// The command's total deadline. Operation commands mark their phases on it
    /// (`asking`, `sending`, `following`: see [`Deadline`]).
    pub deadline: Deadline,
}

impl Context {
    /// A context with the default deadline, its clock starting now.
    pub fn new(
        backend: impl Into<Platform>,
        backend_name: impl Into<String>,
        config: Config,
    ) -> Self {
        Self {
            backend: backend.into(),
            backend_name: backend_name.into(),
            config,
            deadline: Deadline::default(),
        }
    }

    /// The same context under `deadline` (`--timeout`).
    pub fn with_deadline(self, deadline: Deadline) -> Self {
        Self { deadline, ..self }
    }

    /// The backend, for the errors its platform causes.
    pub fn origin(&self) -> Origin {
        Origin {
            backend: self.backend_name.clone(),
            kind: self.backend.kind(),
            platform: self.backend.platform(),
        }
    }

    /// The platform lives in this process (the embedded demo): it starts fresh with each
    /// command and ends with it, operations included.
    pub fn in_process(&self) -> bool {
        is_in_process(self.backend.as_ref())
    }
}

/// Whether `backend` is the embedded demo, which lives and dies with this process.
pub fn is_in_process(backend: &dyn crate::backend::Backend) -> bool {
    backend.kind() == <crate::backend::demo::DemoKind as crate::backend::BackendKind>::NAME
}

/// Ctrl-C, heard from the moment this is made: a press between two waits is not lost.
pub(crate) struct Interrupt(Option<tokio::signal::unix::Signal>);

impl Interrupt {
    pub fn new() -> Self {
        let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        if let Err(error) = &signal {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
        }
        Self(signal.ok())
    }

    /// Until Ctrl-C is pressed (forever when it cannot be heard).
    pub async fn pressed(&mut self) {
        match &mut self.0 {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    }
}

/// `{"event": name, ...fields}`: one line of `--output jsonl`.
pub(crate) fn event(name: &str, fields: serde_json::Value) -> serde_json::Value {
    let mut event = serde_json::json!({ "event": name });
    if let (Some(event), serde_json::Value::Object(fields)) = (event.as_object_mut(), fields) {
        event.extend(fields);
    }
    event
}

/// One JSON value on one line (`--output jsonl`), inert like [`print_json`].
pub(crate) fn print_json_line(doc: &impl serde::Serialize) {
    match serde_json::to_string(doc) {
        Ok(text) => println!("{}", escape_unsafe(&text)),
        Err(error) => out::tell!("cannot print JSON: {error}"),
    }
}

/// The single JSON document of a `--json` run. Every character a terminal could act on
/// (DEL, C1, bidi controls, line separators; C0 already is) is written as a `\u` escape: the
/// document stays inert on a terminal and lossless for a parser.
pub(crate) fn print_json(doc: &impl serde::Serialize) {
    match serde_json::to_string_pretty(doc) {
        Ok(text) => println!("{}", escape_unsafe(&text)),
        Err(error) => out::tell!("cannot print JSON: {error}"),
    }
}

/// See [`crate::text::escape_json`].
pub(crate) use crate::text::escape_json as escape_unsafe;

#[cfg(test)]
mod tests {
    use super::escape_unsafe;

    #[test]
    fn json_escapes_del_c1_and_bidi_and_stays_lossless() {
        let label = "v41\u{9b}2J\u{7f}\u{202e}x\u{1b}";
        let json = serde_json::to_string_pretty(&serde_json::json!({ "label": label })).unwrap();
        let escaped = escape_unsafe(&json);
        assert!(
            !escaped
                .chars()
                .any(|c| c != '\n' && crate::text::is_unsafe(c)),
            "{escaped}"
        );
        assert!(
            escaped.contains("\\u009b") && escaped.contains("\\u007f"),
            "{escaped}"
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["label"], label);
    }

    proptest::proptest! {
        #[test]
        fn json_is_inert_and_gives_the_platforms_string_back(
            label in crate::text::props::text(),
        ) {
            let doc = serde_json::json!({ "label": label, "nested": [{ "author": label }] });
            for json in [
                serde_json::to_string_pretty(&doc).unwrap(),
                serde_json::to_string(&doc).unwrap(),
            ] {
                let escaped = escape_unsafe(&json);
                proptest::prop_assert!(
                    !escaped.chars().any(|c| c != '\n' && crate::text::is_unsafe(c)),
                    "{escaped}"
                );
                let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
                proptest::prop_assert_eq!(&back, &doc);
            }
            let compact = escape_unsafe(&serde_json::to_string(&doc).unwrap()).into_owned();
            proptest::prop_assert!(!compact.contains('\n'));
        }
    }
}
