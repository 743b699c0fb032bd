//! The console's state: everything render needs, changed only by `update`.

use super::effects::{LastGood, Prepared};
use super::list::DeploymentList;
use crate::backend::{Capabilities, Identity};
use crate::config::keys::Keymap;
use crate::config::{Config, PollConfig};
use crate::domain::{
    Action, ActionAvailability, Diff, EnvRef, Environment, MetricSeries, Operation, OperationId,
    Project, ProjectId, Strategy, Timestamp,
};
use crate::poller::{Freshness, Target};
use ratatui_textarea::TextArea;
use std::time::Duration;

/// How long a toast stays.
pub const TOAST_SECS: i64 = 8;

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

/// A confirmation modal: every fact and warning, then a conscious confirmation.
#[derive(Debug)]
pub struct Confirm {
    pub action: Action,
    pub env: EnvRef,
    pub env_name: String,
    pub prepared: Box<Prepared>,
    pub expected_live: Option<crate::domain::DeploymentId>,
    pub live_label: Option<String>,
    pub target_label: String,
    /// The engineer must type the environment's name.
    pub protected: bool,
    pub input: TextArea<'static>,
    pub focus: ConfirmFocus,
    /// Enter was pressed without the right name: say what to type.
    pub mismatch: bool,
    pub strategy: Option<Strategy>,
    /// Redeploy rebuilds from the commit (the artifact is gone or cannot be reused).
    pub rebuild: bool,
    /// Rows the facts are scrolled by, when they do not fit.
    pub scroll: u16,
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
    pub list: DeploymentList,
    pub detail: Option<Detail>,
    pub metrics: Option<MetricSeries>,
    pub live_history: super::history::LiveHistory,
    pub operations: Vec<Operation>,
    pub log: Vec<LogEntry>,
    pub active: Option<ActiveOperation>,
    pub last_good: Option<LastGood>,
    pub overlay: Overlay,
    /// The filter line is open for typing.
    pub filtering: bool,
    pub toast: Option<Toast>,
    pub focus: Pane,
    /// Freshness of the focused environment (the header's data).
    pub env_freshness: Option<Freshness>,
    /// Freshness of the way to the list (projects, environments, deployments): drives the
    /// unreachable panel while nothing has been loaded.
    pub connection: Freshness,
    pub width: u16,
    pub height: u16,
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
            list: DeploymentList::default(),
            detail: None,
            metrics: None,
            live_history: Default::default(),
            operations: Vec::new(),
            log: Vec::new(),
            active: None,
            last_good: None,
            overlay: Overlay::None,
            filtering: false,
            toast: None,
            focus: Pane::List,
            env_freshness: None,
            connection: Freshness::new(now),
            width: 80,
            height: 24,
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

    /// Whether confirming in this environment means typing its name; `protected_environments`
    /// may name an environment by id or by display name, in any case.
    pub fn is_protected(&self, env: &Environment) -> bool {
        self.settings
            .protected_environments
            .iter()
            .any(|p| p.eq_ignore_ascii_case(env.id.as_str()) || p.eq_ignore_ascii_case(&env.name))
    }

    pub fn focused_interval(&self) -> Duration {
        if self.active.is_some() {
            self.settings.poll.operation
        } else {
            self.settings.poll.focused
        }
    }

    /// The header's staleness: `Some(cause)` when the environment's data is older than three
    /// poll intervals.
    pub fn stale(&self) -> Option<String> {
        let fresh = self.env_freshness.as_ref()?;
        fresh
            .is_stale(self.real_now, self.settings.poll.focused)
            .then(|| fresh.cause(self.real_now))
    }

    /// The backend cannot be reached and nothing is loaded: the list gives way to a panel.
    pub fn unreachable(&self) -> Option<(String, Option<Timestamp>)> {
        if self.list.is_loaded() || self.connection.failures == 0 {
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

    /// The error rate of the live deployment in the newest bucket with traffic.
    pub fn live_rate(&self) -> Option<f64> {
        self.metrics
            .as_ref()?
            .points
            .iter()
            .rev()
            .find_map(|p| p.error_rate())
    }
}
