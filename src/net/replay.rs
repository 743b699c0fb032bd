//! The replay rule: which failed calls are sent again, stated once for every adapter.
//!
//! - A read may be repeated after a timeout, a reset, a `5xx` or a `429`.
//! - An operation (rollback, promote, redeploy) is re-sent after those failures only when it
//!   carries an idempotency key the platform is known to honour: the platform then answers
//!   a repeat with the first operation instead of starting a second.
//! - Any other operation is re-sent only after a `429` (refused before anything happened).
//!   After a timeout or a `5xx` it may have happened, so it is never repeated: the caller is
//!   told "may have happened: look before trying again" ([`BackendError::MayHaveHappened`]).
//!
//! The caller states the class of each call; [`super::retrying`] applies it.

use crate::backend::BackendError;

/// How a call may be repeated after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replay {
    /// A read: repeating it changes nothing.
    Read,
    /// An operation sent with an idempotency key the platform honours (the HTTP contract's
    /// `Idempotency-Key`): re-sent unchanged, same key, after a failure a read would repeat.
    SameKey,
    /// An operation the platform cannot recognise as a repeat (Unkey has no idempotency
    /// key): re-sent only after a `429`, never after a possible execution.
    Once,
}

impl Replay {
    /// Whether a call of this class that failed with `error` is sent again (attempts and the
    /// `Retry-After` cap permitting).
    pub fn sends_again(self, error: &BackendError) -> bool {
        match error {
            // A 429 is a refusal before anything happened, whatever the call.
            BackendError::RateLimited { .. } => true,
            BackendError::Transient { .. } => matches!(self, Self::Read | Self::SameKey),
            _ => false,
        }
    }

    /// Whether the call changes something at the platform.
    pub fn is_operation(self) -> bool {
        !matches!(self, Self::Read)
    }

    /// The error the caller gets when the attempts end with `error`. An operation that
    /// ended without a clear answer (a timeout, a reset, a `5xx`, an answer that cannot be
    /// read) may have happened: `what` names it, e.g. `the rollback`.
    pub fn outcome(self, error: BackendError, what: &str) -> BackendError {
        if !self.is_operation() {
            return error;
        }
        let cause = match &error {
            BackendError::Transient { message } => message.clone(),
            BackendError::Decode { message, .. } => {
                format!("an answer that cannot be read: {message}")
            }
            _ => return error,
        };
        BackendError::MayHaveHappened {
            message: format!(
                "the platform gave no clear answer ({cause}): {what} may have happened; look before trying again"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::PreconditionCode;
    use std::time::Duration;

    fn failures() -> Vec<BackendError> {
        vec![
            BackendError::transient("timeout"),
            BackendError::transient("HTTP 503: busy"),
            BackendError::RateLimited { retry_after: None },
            BackendError::RateLimited {
                retry_after: Some(Duration::from_secs(2)),
            },
            BackendError::Decode {
                message: "cut short".into(),
                excerpt: None,
            },
            BackendError::invalid("bad"),
            BackendError::precondition(PreconditionCode::AlreadyLive, "live"),
            BackendError::Unauthorized {
                message: "no".into(),
            },
        ]
    }

    #[test]
    fn which_failures_each_class_sends_again() {
        for error in failures() {
            let transient = matches!(error, BackendError::Transient { .. });
            let limited = matches!(error, BackendError::RateLimited { .. });
            assert_eq!(
                Replay::Read.sends_again(&error),
                transient || limited,
                "{error:?}"
            );
            assert_eq!(
                Replay::SameKey.sends_again(&error),
                transient || limited,
                "{error:?}"
            );
            assert_eq!(Replay::Once.sends_again(&error), limited, "{error:?}");
        }
    }

    #[test]
    fn an_operation_without_a_clear_answer_may_have_happened() {
        for class in [Replay::SameKey, Replay::Once] {
            let error = class.outcome(BackendError::transient("timeout"), "the rollback");
            assert_eq!(error.kind(), "may_have_happened");
            assert!(!error.is_retryable());
            let text = error.to_string();
            assert!(
                text.contains("timeout")
                    && text.contains("the rollback may have happened")
                    && text.contains("look before trying again"),
                "{text}"
            );
            let unreadable = BackendError::Decode {
                message: "cut short".into(),
                excerpt: None,
            };
            assert_eq!(
                class.outcome(unreadable, "the redeploy").kind(),
                "may_have_happened"
            );
        }
    }

    #[test]
    fn refusals_and_reads_keep_their_error() {
        for error in failures() {
            assert_eq!(Replay::Read.outcome(error.clone(), "x"), error);
        }
        let limited = BackendError::RateLimited { retry_after: None };
        assert_eq!(Replay::Once.outcome(limited.clone(), "x"), limited);
        let refused = BackendError::precondition(PreconditionCode::NotReady, "not ready");
        assert_eq!(Replay::SameKey.outcome(refused.clone(), "x"), refused);
    }
}
