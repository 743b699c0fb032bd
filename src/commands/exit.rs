//! Exit codes and the errors that lead to them. The code is decided by the error's type,
//! never by its text.

use super::deadline::Phase;
use crate::backend::BackendError;
use crate::domain::Action;
use serde_json::{Value, json};
use std::time::Duration;

/// The documented exit codes of every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done (for an operation: it completed).
    Completed = 0,
    /// The confirmation was not given at the prompt; nothing changed.
    NotConfirmed = 1,
    /// Bad arguments or config, unknown label, or `--yes` missing without a terminal.
    Usage = 2,
    /// The platform refused: a precondition (artifact pruned, already live, ...) or a
    /// permission.
    Refused = 3,
    /// The live deployment changed since it was read.
    Conflict = 4,
    /// The operation ran and ended in `exception`.
    Failed = 5,
    /// The backend could not be reached, answered something unreadable, or asked to wait
    /// longer than a command waits (rate limited).
    Backend = 6,
    /// An operation was sent but its outcome is unknown: no clear answer came (it may have
    /// happened), or the deadline passed while sending or following it (it may still be
    /// running). Look with `switchback status` before trying again.
    MayHaveHappened = 7,
    /// The deadline (`--timeout`) passed before anything was sent; nothing changed.
    TimedOut = 8,
    /// `guard`: the error rate breached and the breach held; nothing was done (no
    /// `--rollback`).
    Breached = 9,
    /// `guard`: the breach held and the rollback to the last good deployment completed.
    RolledBack = 10,
    /// `guard`: the window ended without a single look with enough traffic to judge.
    TooLittleTraffic = 11,
    /// Ctrl-C while waiting (or during `guard`); an operation already sent goes on at the
    /// platform.
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The request cannot be understood; `candidates` are close matches to offer.
    #[error("{message}")]
    Usage {
        message: String,
        candidates: Vec<String>,
    },
    /// The engineer did not confirm at the prompt.
    #[error("not confirmed; nothing was changed")]
    NotConfirmed,
    /// The platform says in advance that this action is not possible on this deployment.
    #[error("{} of {label} is not possible: {reason}{}", action.as_str(), try_instead(*.suggestion, label))]
    NotAllowed {
        action: Action,
        label: String,
        reason: String,
        code: Option<String>,
        suggestion: Option<Action>,
    },
    #[error("{}{}", .0, backend_hint(.0))]
    Backend(#[from] BackendError),
    /// The command's deadline passed in `phase`; `after` is the budget that ran out.
    #[error("{}", timed_out(command, *after, phase))]
    TimedOut {
        command: String,
        after: Duration,
        phase: Phase,
    },
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    /// Anything else that stops the command before the platform is asked (a demo scenario
    /// that does not load, no home directory).
    #[error("{0}")]
    Setup(String),
}

fn try_instead(suggestion: Option<Action>, label: &str) -> String {
    match suggestion {
        Some(Action::Redeploy) => format!(" (try: switchback redeploy {label} --rebuild)"),
        Some(Action::Promote) => format!(" (try: switchback promote {label})"),
        Some(Action::Rollback) => format!(" (try: switchback rollback {label})"),
        None => String::new(),
    }
}

fn suggestion_hint(suggestion: Option<Action>) -> String {
    match suggestion {
        Some(Action::Redeploy) => {
            " (redeploy it from source instead: `switchback redeploy LABEL --rebuild`)".to_owned()
        }
        Some(other) => format!(" (try {} instead)", other.as_str()),
        None => String::new(),
    }
}

fn backend_hint(error: &BackendError) -> String {
    match error {
        BackendError::Precondition {
            suggestion: Some(action),
            ..
        } => suggestion_hint(Some(*action)),
        BackendError::Conflict { .. } => {
            " (look again with `switchback status` and retry)".to_owned()
        }
        BackendError::MayHaveHappened { .. } => {
            " (`switchback status` and `switchback list` show what is live and deployed)".to_owned()
        }
        _ => String::new(),
    }
}

fn timed_out(command: &str, after: Duration, phase: &Phase) -> String {
    let after = humantime_serde::re::humantime::format_duration(after);
    match phase {
        Phase::Preparing | Phase::Asking | Phase::Watching => format!(
            "gave up after {after} waiting for the platform's answers to `switchback {command}`; nothing was changed (allow longer with --timeout)"
        ),
        Phase::Sending(action) => format!(
            "gave up after {after} waiting for the platform to accept the {}: the {} may have happened; look with `switchback status` before trying again",
            action.as_str(),
            action.as_str()
        ),
        Phase::Following(operation) => format!(
            "gave up after {after} (--timeout) following operation {operation}: operation {operation} may still be running; look with `switchback operation {operation}`"
        ),
    }
}

/// The backend a command talked to, named in the errors its platform caused.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The backend entry's name (`prod-eu`).
    pub backend: String,
    /// Its kind (`fly`).
    pub kind: &'static str,
    /// Its platform in words (`Fly.io`).
    pub platform: &'static str,
}

impl CommandError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage {
            message: message.into(),
            candidates: Vec::new(),
        }
    }

    /// Whether the platform's answer (or its silence) ended the command, rather than the
    /// engineer's input or setup.
    pub fn from_platform(&self) -> bool {
        matches!(self, Self::Backend(_) | Self::TimedOut { .. })
    }

    /// The message, naming the platform and backend when the platform ended the command.
    pub fn said(&self, origin: Option<&Origin>) -> String {
        match origin {
            Some(o) if self.from_platform() => {
                format!("{self} (from {}, backend \"{}\")", o.platform, o.backend)
            }
            _ => self.to_string(),
        }
    }

    /// [`to_json`](Self::to_json), with `backend` and `backend_kind` when the platform
    /// ended the command.
    pub fn to_json_from(&self, origin: Option<&Origin>) -> Value {
        let mut doc = self.to_json();
        if let Some(o) = origin.filter(|_| self.from_platform()) {
            doc["error"]["backend"] = json!(o.backend);
            doc["error"]["backend_kind"] = json!(o.kind);
        }
        doc
    }

    pub fn exit(&self) -> Exit {
        match self {
            Self::Usage { .. } | Self::Config(_) => Exit::Usage,
            Self::NotConfirmed => Exit::NotConfirmed,
            Self::NotAllowed { .. } => Exit::Refused,
            Self::Backend(error) => exit_for(error),
            Self::TimedOut { phase, .. } => match phase {
                Phase::Preparing | Phase::Asking | Phase::Watching => Exit::TimedOut,
                Phase::Sending(_) | Phase::Following(_) => Exit::MayHaveHappened,
            },
            Self::Setup(_) => Exit::Backend,
        }
    }

    /// The `{"error": ...}` document printed on stdout under `--json`.
    pub fn to_json(&self) -> Value {
        let mut error = json!({
            "exit_code": self.exit().code(),
            "kind": self.kind(),
            "message": self.to_string(),
        });
        match self {
            Self::Usage { candidates, .. } => error["candidates"] = json!(candidates),
            Self::NotAllowed {
                code, suggestion, ..
            } => {
                error["code"] = json!(code);
                error["suggestion"] = json!(suggestion.map(Action::as_str));
            }
            Self::Backend(BackendError::Precondition {
                code, suggestion, ..
            }) => {
                error["code"] = json!(code.as_str());
                error["suggestion"] = json!(suggestion.map(Action::as_str));
            }
            Self::Backend(BackendError::Conflict {
                live_label,
                changed_by,
                ..
            }) => {
                error["live_now"] = json!(live_label);
                error["changed_by"] = json!(changed_by);
            }
            Self::TimedOut { after, phase, .. } => {
                error["timeout_secs"] = json!(after.as_secs_f64());
                if let Phase::Following(operation) = phase {
                    error["operation_id"] = json!(operation);
                }
            }
            _ => {}
        }
        json!({ "error": error })
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Usage { .. } => "usage",
            Self::NotConfirmed => "not_confirmed",
            Self::NotAllowed { .. } => "not_allowed",
            Self::Backend(error) => error.kind(),
            Self::TimedOut { .. } => "timed_out",
            Self::Config(_) => "config",
            Self::Setup(_) => "setup",
        }
    }
}

/// How a platform error ends the command.
pub fn exit_for(error: &BackendError) -> Exit {
    match error {
        BackendError::Precondition { .. }
        | BackendError::Forbidden { .. }
        | BackendError::Unauthorized { .. } => Exit::Refused,
        BackendError::Conflict { .. } => Exit::Conflict,
        BackendError::Invalid { .. } | BackendError::NotFound { .. } => Exit::Usage,
        BackendError::RateLimited { .. }
        | BackendError::Transient { .. }
        | BackendError::Decode { .. } => Exit::Backend,
        BackendError::MayHaveHappened { .. } => Exit::MayHaveHappened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::PreconditionCode;

    #[test]
    fn platform_errors_map_to_their_exit_codes_by_type() {
        let refused = BackendError::precondition(PreconditionCode::ArtifactPruned, "pruned");
        assert_eq!(exit_for(&refused), Exit::Refused);
        let forbidden = BackendError::Forbidden {
            action: "rollback".into(),
            reason: "read-only".into(),
        };
        assert_eq!(exit_for(&forbidden), Exit::Refused);
        let conflict = BackendError::Conflict {
            live_now: None,
            live_label: Some("v43".into()),
            changed_by: Some("bob".into()),
            message: "moved".into(),
        };
        assert_eq!(exit_for(&conflict), Exit::Conflict);
        assert_eq!(exit_for(&BackendError::transient("timeout")), Exit::Backend);
        assert_eq!(exit_for(&BackendError::invalid("bad")), Exit::Usage);
        let unknown = BackendError::MayHaveHappened {
            message: "the rollback may have happened".into(),
        };
        assert_eq!(exit_for(&unknown), Exit::MayHaveHappened);
        assert_eq!(Exit::Failed.code(), 5);
        assert_eq!(Exit::MayHaveHappened.code(), 7);
        assert_eq!(Exit::TimedOut.code(), 8);
    }

    #[test]
    fn json_errors_carry_code_and_suggestion() {
        let error = CommandError::Backend(BackendError::Precondition {
            code: PreconditionCode::ArtifactPruned,
            message: "the artifact of v37 was pruned".into(),
            suggestion: Some(Action::Redeploy),
        });
        let doc = error.to_json();
        assert_eq!(doc["error"]["exit_code"], 3);
        assert_eq!(doc["error"]["kind"], "precondition");
        assert_eq!(doc["error"]["code"], "artifact_pruned");
        assert_eq!(doc["error"]["suggestion"], "redeploy");
        assert!(error.to_string().contains("redeploy"));
    }

    #[test]
    fn only_what_the_platform_caused_names_the_platform() {
        let origin = Origin {
            backend: "prod-eu".to_owned(),
            kind: "fly",
            platform: "Fly.io",
        };
        let from_platform = CommandError::Backend(BackendError::Decode {
            message: "the answer is larger than the limit of 16 bytes".to_owned(),
            excerpt: None,
        });
        assert!(
            from_platform
                .said(Some(&origin))
                .ends_with("(from Fly.io, backend \"prod-eu\")"),
            "{}",
            from_platform.said(Some(&origin))
        );
        let doc = from_platform.to_json_from(Some(&origin));
        assert_eq!(doc["error"]["backend"], "prod-eu");
        assert_eq!(doc["error"]["backend_kind"], "fly");
        let typo = CommandError::usage("no deployment v99");
        assert_eq!(typo.said(Some(&origin)), "no deployment v99");
        assert!(typo.to_json_from(Some(&origin))["error"]["backend"].is_null());
    }
}
