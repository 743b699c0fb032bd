//! Everything that can happen to the console, as owned values.

use super::effects::DetailData;
use crate::backend::{BackendError, OperationHandle};
use crate::config::keys::KeyPress;
use crate::domain::{Action, DeploymentId, EnvRef, Timestamp};
use crate::operation::{LastGood, Plan, PlanError};
use crate::poller::PollEvent;

#[derive(Debug)]
pub enum Msg {
    Key(KeyPress),
    /// Text pasted at once (bracketed paste); goes to the field being typed in.
    Paste(String),
    /// The clocks moved: `now` is the platform's time (ages, metric windows), `real` the
    /// console's own (data freshness, toasts); they differ when the demo runs faster.
    Tick {
        now: Timestamp,
        real: Timestamp,
    },
    /// The terminal's size, and the rows the deployment list gets at that size.
    Resize {
        width: u16,
        height: u16,
        list_rows: usize,
    },
    /// What the last frame could not show: rows of the detail pane and of the open overlay
    /// below what fits (how far each may scroll).
    Measured {
        detail_hidden: u16,
        overlay_hidden: u16,
    },
    Poll(PollEvent),
    Detail {
        env: EnvRef,
        target: DeploymentId,
        data: DetailData,
    },
    /// The plan for a confirmation modal, or why the action cannot be taken.
    Planned {
        action: Action,
        env: EnvRef,
        target: DeploymentId,
        result: Result<Box<Plan>, PlanError>,
    },
    /// The backend accepted (or refused) an operation request.
    Started {
        action: Action,
        env: EnvRef,
        target_label: String,
        result: Result<OperationHandle, BackendError>,
    },
    LastGood {
        env: EnvRef,
        result: Result<Option<LastGood>, BackendError>,
    },
    /// SIGTERM, SIGHUP or SIGINT.
    Signal(&'static str),
}

impl Msg {
    /// A short name for logs (`key`, `poll`, `tick`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Key(_) => "key",
            Self::Paste(_) => "paste",
            Self::Tick { .. } => "tick",
            Self::Resize { .. } => "resize",
            Self::Measured { .. } => "measured",
            Self::Poll(_) => "poll",
            Self::Detail { .. } => "detail",
            Self::Planned { .. } => "planned",
            Self::Started { .. } => "started",
            Self::LastGood { .. } => "last-good",
            Self::Signal(_) => "signal",
        }
    }
}
