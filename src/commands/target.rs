//! How the engine's answers about names and plans end a command.

use super::CommandError;
use crate::backend::BackendError;
use crate::operation::pages::PagingError;
use crate::operation::target::TargetError;
use crate::operation::{PlanError, Refusal};

impl From<TargetError> for CommandError {
    fn from(error: TargetError) -> Self {
        match error {
            TargetError::Resolve(error) => Self::Usage {
                message: error.to_string(),
                candidates: error.candidates().to_vec(),
            },
            TargetError::Paging(error) => error.into(),
            TargetError::Backend(error) => Self::Backend(error),
            TargetError::Nothing(message) => Self::usage(message),
        }
    }
}

impl From<PagingError> for CommandError {
    fn from(error: PagingError) -> Self {
        match error {
            PagingError::Backend(error) => Self::Backend(error),
            // The platform answered, but not with a list that ends: unusable, like a
            // malformed answer.
            other => Self::Backend(BackendError::Decode {
                message: other.to_string(),
                excerpt: None,
            }),
        }
    }
}

impl From<PlanError> for CommandError {
    fn from(error: PlanError) -> Self {
        match error {
            PlanError::Refused(Refusal {
                action,
                target_label,
                reason,
                code,
                suggestion,
            }) => Self::NotAllowed {
                action,
                label: target_label,
                reason,
                code,
                suggestion,
            },
            PlanError::Backend(error) => Self::Backend(error),
        }
    }
}
