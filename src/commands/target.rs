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
        Self::Backend(BackendError::from(error))
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
