use crate::domain::{Action, DeploymentId};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a platform said no, typed once at the adapter's edge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("not authenticated: {message}")]
    Unauthorized { message: String },
    /// The credentials are valid but may not do this.
    #[error("not permitted to {action}: {reason}")]
    Forbidden { action: String, reason: String },
    #[error("not found: {what}")]
    NotFound { what: String },
    /// The platform refuses the operation in the current state.
    #[error("{message}")]
    Precondition {
        code: PreconditionCode,
        message: String,
        suggestion: Option<Action>,
    },
    /// Someone or something changed the live deployment since the engineer looked.
    #[error("{message}")]
    Conflict {
        live_now: Option<DeploymentId>,
        live_label: Option<String>,
        changed_by: Option<String>,
        message: String,
    },
    /// Refused before anything happened; `retry_after` is how long the platform asked to
    /// wait (longer than a call waits on its own: see `net::MAX_RETRY_AFTER`).
    #[error("rate limited by the platform{}", retry_after.map(|d| format!(": it asked to wait {} before trying again", crate::net::describe_wait(d))).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// Timeouts, 5xx, connection resets: worth retrying.
    #[error("temporarily unavailable: {message}")]
    Transient { message: String },
    /// An operation sent without a clear answer (a timeout, a `5xx`, a lost answer) that
    /// the platform could not recognise if sent again: it may have happened. Never retried;
    /// the message tells the engineer to look before trying again.
    #[error("{message}")]
    MayHaveHappened { message: String },
    /// The request itself was wrong (unknown label, bad argument).
    #[error("invalid request: {message}")]
    Invalid { message: String },
    /// The platform answered with something that does not decode.
    #[error("could not read the answer: {message}")]
    Decode {
        message: String,
        excerpt: Option<String>,
    },
}

impl BackendError {
    /// The same error with every credential this process sends hidden from its words
    /// (see `net::secrets`): applied at each adapter's edge to what a platform said.
    pub fn redacted(mut self) -> Self {
        use crate::net::secrets::redact_in_place;
        match &mut self {
            Self::Unauthorized { message }
            | Self::Transient { message }
            | Self::MayHaveHappened { message }
            | Self::Invalid { message }
            | Self::Precondition { message, .. } => redact_in_place(message),
            Self::Forbidden { action, reason } => {
                redact_in_place(action);
                redact_in_place(reason);
            }
            Self::NotFound { what } => redact_in_place(what),
            Self::Conflict {
                live_label,
                changed_by,
                message,
                ..
            } => {
                redact_in_place(message);
                live_label.iter_mut().for_each(redact_in_place);
                changed_by.iter_mut().for_each(redact_in_place);
            }
            Self::Decode { message, excerpt } => {
                redact_in_place(message);
                excerpt.iter_mut().for_each(redact_in_place);
            }
            Self::RateLimited { .. } => {}
        }
        self
    }

    /// Whether repeating the same read could succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient { .. } | Self::RateLimited { .. })
    }

    pub fn precondition(code: PreconditionCode, message: impl Into<String>) -> Self {
        Self::Precondition {
            code,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// A short word for the kind, for headers, logs and the HTTP contract.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Precondition { .. } => "precondition",
            Self::Conflict { .. } => "conflict",
            Self::RateLimited { .. } => "rate_limited",
            Self::Transient { .. } => "transient",
            Self::MayHaveHappened { .. } => "may_have_happened",
            Self::Invalid { .. } => "invalid",
            Self::Decode { .. } => "decode",
        }
    }
}

/// Why a platform refuses an operation in the current state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreconditionCode {
    /// The target's artifact was removed by retention; redeploy from source instead.
    ArtifactPruned,
    /// The target never reached `ready` (or is still building).
    NotReady,
    /// The target is already live.
    AlreadyLive,
    /// The target is not running and the platform will not start it for a switch.
    NotRunning,
    /// Promote needs a deployment that is not already live in normal mode, and so on.
    NotApplicable,
    /// The resource is paused or locked (e.g. a paused Kubernetes Deployment).
    Paused,
    /// The target belongs to another project or environment.
    WrongEnvironment,
    /// A code this build does not know.
    #[serde(other)]
    Other,
}

impl PreconditionCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ArtifactPruned => "artifact_pruned",
            Self::NotReady => "not_ready",
            Self::AlreadyLive => "already_live",
            Self::NotRunning => "not_running",
            Self::NotApplicable => "not_applicable",
            Self::Paused => "paused",
            Self::WrongEnvironment => "wrong_environment",
            Self::Other => "other",
        }
    }
}
