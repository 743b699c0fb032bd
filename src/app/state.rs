//! The console's state: everything render needs, changed only by `update`.

use super::list::DeploymentList;
use crate::backend::{Capabilities, Identity};
use crate::config::keys::Keymap;
use crate::config::{Config, PollConfig};
use crate::domain::{
    Action, ActionAvailability, Diff, EnvRef, Environment, MetricPoint, MetricSeries, Operation,
    OperationId, Project, ProjectId, Timestamp,
};
use crate::operation::{Confirmation, LastGood, Plan};
use crate::poller::{Freshness, Target};
use ratatui_textarea::TextArea;
use std::time::Duration;

/// How long a toast stays.
pub const TOAST_SECS: i64 = 8;

/// How old the data on screen is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataAge {
    Loading,
    JustNow,
    /// Seconds, rounded down to the unit shown (minutes past a minute, hours past an hour).
    Ago(i64),
}

/// The parts of the config the console acts on.
#[derive(Clone, Debug)]
pub struct Settings {
    pub protected_environments: Vec<String>,
    pub error_threshold: f64,
    pub poll: PollConfig,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            protected_environments: config.console.protected_environments.clone(),
            error_threshold: config.console.error_threshold,
            poll: config.poll.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
    ErrorRate,
}

impl Pane {
    pub fn next(self) -> Self {
        match self {
            Self::List => Self::Detail,
            Self::Detail => Self::ErrorRate,
            Self::ErrorRate => Self::List,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Ok,
    Warn,
    Error,
}

impl Level {
    /// A symbol, so the level reads without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Info => "·",
            Self::Ok => "✓",
            Self::Warn => "!",
            Self::Error => "✗",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub level: Level,
    pub text: String,
    pub until: Timestamp,
}

/// A line of the operations log kept by the console (refusals, failures, completions).
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub at: Timestamp,
    pub level: Level,
    pub text: String,
}

/// The selected deployment against live, as last fetched.
#[derive(Clone, Debug, PartialEq)]
pub struct Detail {
    pub target: crate::domain::DeploymentId,
    pub diff: Option<Diff>,
    pub error: Option<String>,
    pub actions: Vec<ActionAvailability>,
    pub target_rate: Option<f64>,
}

/// The operation this console started and follows.
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveOperation {
    pub env: EnvRef,
    pub id: OperationId,
    pub action: Action,
    pub target_label: String,
    pub operation: Option<Operation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerKind {
    Environment,
    Project,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Picker {
    pub kind: PickerKind,
    /// (id, label shown)
    pub items: Vec<(String, String)>,
    pub selected: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmFocus {
    Cancel,
    Confirm,
    Field,
}

/// A confirmation modal: it holds the plan, and confirming sends exactly its request.
#[derive(Debug)]
pub struct Confirm {
    pub plan: Box<Plan>,
    pub input: TextArea<'static>,
    pub focus: ConfirmFocus,
    /// Enter was pressed without the right name: say what to type.
    pub mismatch: bool,
    /// Rows the facts are scrolled by, when they do not fit.
    pub scroll: u16,
}

impl Confirm {
    pub fn new(plan: Box<Plan>) -> Self {
        let mut input = TextArea::default();
        let focus = match &plan.confirmation {
            Confirmation::TypeName(name) => {
                input.set_placeholder_text(format!("type {name}"));
                ConfirmFocus::Field
            }
            Confirmation::YesNo => ConfirmFocus::Cancel,
        };
        Self {
            plan,
            input,
            focus,
            mismatch: false,
            scroll: 0,
        }
    }

    pub fn action(&self) -> Action {
        self.plan.action
    }

    /// The word to type, in a protected environment.
    pub fn typed_name(&self) -> Option<&str> {
        match &self.plan.confirmation {
            Confirmation::TypeName(name) => Some(name),
            Confirmation::YesNo => None,
        }
    }

    pub fn target_label(&self) -> &str {
        &self.plan.target.label
    }

    /// The environment's id, as the modal names it.
    pub fn env_name(&self) -> &str {
        self.plan.environment.id.as_str()
    }
}

#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: u16,
    },
    OperationsLog {
        scroll: u16,
    },
    Details {
        scroll: u16,
    },
    Picker(Picker),
    Confirm(Box<Confirm>),
}

/// What the console shows about the focused environment. It starts empty for each
/// environment and is never carried over from another.
#[derive(Debug, Default)]
pub struct EnvView {
    pub list: DeploymentList,
    pub detail: Option<Detail>,
    pub metrics: Option<MetricSeries>,
    /// The header figure from the metrics source's own "now" query.
    pub current_rate: Option<MetricPoint>,
    pub live_history: super::history::LiveHistory,
    pub operations: Vec<Operation>,
    pub last_good: Option<LastGood>,
    /// Freshness of the focused environment (the header's data).
    pub env_freshness: Option<Freshness>,
}

impl EnvView {
    /// The view of a newly focused environment: nothing loaded, loading from now.
    pub fn fresh(now: Timestamp) -> Self {
        Self {
            env_freshness: Some(Freshness::new(now)),
            ..Self::default()
        }
    }
}

/// The whole console.
#[derive(Debug)]
pub struct State {
    /// The platform's time: ages and metric windows.
    pub now: Timestamp,
    /// The console's time: data freshness and toasts.
    pub real_now: Timestamp,
    pub started: Timestamp,
    pub backend_name: String,
    pub capabilities: Capabilities,
    pub settings: Settings,
    pub keymap: Keymap,
    pub identity: Option<Identity>,
    pub projects: Vec<Project>,
    pub project: Option<ProjectId>,
    pub environments: Vec<Environment>,
    pub env: Option<EnvRef>,
    /// Everything shown about the focused environment; replaced whole when the focus moves.
    pub view: EnvView,
    pub log: Vec<LogEntry>,
    pub active: Option<ActiveOperation>,
    pub overlay: Overlay,
    /// The filter line is open for typing.
    pub filtering: bool,
    pub toast: Option<Toast>,
    pub focus: Pane,
    /// Freshness of the way to the list (projects, environments, deployments): drives the
    /// unreachable panel while nothing has been loaded.
    pub connection: Freshness,
    pub width: u16,
    pub height: u16,
    /// Rows of the deployment list at this size (from the layout, with the resize).
    pub list_rows: usize,
    /// The poll targets last sent, so they are sent only when they change.
    pub poll_targets: Vec<Target>,
    pub dirty: bool,
    pub quit: bool,
}

impl State {
    pub fn new(
        backend_name: String,
        capabilities: Capabilities,
        settings: Settings,
        keymap: Keymap,
        now: Timestamp,
    ) -> Self {
        Self {
            now,
            real_now: now,
            started: now,
            backend_name,
            capabilities,
            settings,
            keymap,
            identity: None,
            projects: Vec::new(),
            project: None,
            environments: Vec::new(),
            env: None,
            view: EnvView::default(),
            log: Vec::new(),
            active: None,
            overlay: Overlay::None,
            filtering: false,
            toast: None,
            focus: Pane::List,
            connection: Freshness::new(now),
            width: 80,
            height: 24,
            list_rows: 1,
            poll_targets: Vec::new(),
            dirty: true,
            quit: false,
        }
    }

    pub fn environment(&self) -> Option<&Environment> {
        let env = self.env.as_ref()?;
        self.environments.iter().find(|e| e.id == env.environment)
    }

    pub fn project_name(&self) -> Option<&str> {
        let id = self.project.as_ref()?;
        Some(
            self.projects
                .iter()
                .find(|p| &p.id == id)
                .map_or(id.as_str(), |p| p.name.as_str()),
        )
    }

    pub fn focused_interval(&self) -> Duration {
        if self.active.is_some() {
            self.settings.poll.operation
        } else {
            self.settings.poll.focused
        }
    }

    /// How old the header's data is, in the steps the screen shows it: the same step
    /// twice means nothing to redraw.
    pub fn data_age(&self) -> DataAge {
        let Some(last_ok) = self.view.env_freshness.as_ref().and_then(|f| f.last_ok) else {
            return DataAge::Loading;
        };
        let secs = (self.real_now - last_ok).num_seconds().max(0);
        match secs {
            0..5 => DataAge::JustNow,
            5..60 => DataAge::Ago(secs),
            60..3_600 => DataAge::Ago(secs / 60 * 60),
            3_600..86_400 => DataAge::Ago(secs / 3_600 * 3_600),
            _ => DataAge::Ago(secs / 86_400 * 86_400),
        }
    }

    /// The header's staleness: `Some(cause)` when the environment's data is older than three
    /// poll intervals.
    pub fn stale(&self) -> Option<String> {
        let fresh = self.view.env_freshness.as_ref()?;
        fresh
            .is_stale(self.real_now, self.settings.poll.focused)
            .then(|| fresh.cause(self.real_now))
    }

    /// The backend cannot be reached and nothing is loaded: the list gives way to a panel.
    pub fn unreachable(&self) -> Option<(String, Option<Timestamp>)> {
        if self.view.list.is_loaded() || self.connection.failures == 0 {
            return None;
        }
        Some((
            self.connection.cause(self.real_now),
            self.connection.next_retry,
        ))
    }

    pub fn push_log(&mut self, level: Level, text: impl Into<String>) {
        self.log.push(LogEntry {
            at: self.now,
            level,
            text: text.into(),
        });
    }

    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.push_log(level, text.clone());
        self.toast = Some(Toast {
            level,
            text,
            until: self.real_now + chrono::Duration::seconds(TOAST_SECS),
        });
    }

    /// The error rate of the live deployment: the source's "now" figure, else the newest
    /// bucket with traffic.
    pub fn live_rate(&self) -> Option<f64> {
        if let Some(rate) = self
            .view
            .current_rate
            .as_ref()
            .and_then(MetricPoint::error_rate)
        {
            return Some(rate);
        }
        self.view
            .metrics
            .as_ref()?
            .points
            .iter()
            .rev()
            .find_map(|p| p.error_rate())
    }
}
