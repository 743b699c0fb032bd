//! The console's state: everything render needs, changed only by `update`.

use super::list::DeploymentList;
use crate::backend::{Capabilities, Identity};
use crate::config::keys::Keymap;
use crate::config::{Config, PollConfig};
use crate::domain::{
    Action, ActionAvailability, Deployment, DeploymentId, Diff, EnvMode, EnvRef, Environment,
    LiveCause, LiveChange, MetricPoint, MetricSeries, Operation, OperationId, Project, ProjectId,
    Scope, Strategy, Timestamp,
};
use crate::operation::{Confirmation, LastGood, Plan};
use crate::poller::{Freshness, Target};
use ratatui_textarea::TextArea;
use std::collections::HashSet;
use std::time::Duration;

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
    /// The name operations are sent under (config `actor`, else the login name).
    pub actor: Option<String>,
    /// The engineer's time zone, for clock times beside UTC (UTC unless the console says).
    pub local_offset: chrono::FixedOffset,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            protected_environments: config.console.protected_environments.clone(),
            error_threshold: config.console.error_threshold,
            poll: config.poll.clone(),
            actor: config.actor(),
            local_offset: chrono::FixedOffset::east_opt(0).expect("zero offset"),
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

/// The bottom line's message: the verdict first, what to do next kept whatever the width.
/// It stays until the next key.
#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub level: Level,
    pub text: String,
    /// Where the part that must never be cut begins (the next step: `redeploy it with d`,
    /// `nothing was done`); `text.len()` when there is none.
    pub keep_from: usize,
    /// The operations log (`l`) says more.
    pub more: bool,
}

impl Toast {
    /// The verdict (what may be shortened) and the next step (kept).
    pub fn parts(&self) -> (&str, &str) {
        let at = self.keep_from.min(self.text.len());
        self.text.split_at(at)
    }
}

/// A line of the operations log kept by the console (refusals, failures, completions, and
/// what others did).
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// The platform's time.
    pub at: Timestamp,
    pub level: Level,
    pub text: String,
    /// The environment it is about.
    pub env: Option<EnvRef>,
    /// The platform's operation it is about, whose steps and log `Enter` opens.
    pub operation: Option<OperationId>,
    /// Everything the platform said, when the line says less.
    pub detail: Option<String>,
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
    /// What the plan estimated, in seconds.
    pub estimate_secs: Option<u64>,
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
    /// The strategy row: `←`/`→` choose.
    Strategy,
    /// The components row: `←`/`→` move, `Space` picks.
    Components,
    /// The regions row.
    Regions,
}

/// Live moved while the modal was open: to what, by whom, when.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveChanged {
    pub to: String,
    pub by: Option<String>,
    pub at: Option<Timestamp>,
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
    /// The item under the cursor in the components or regions row.
    pub cursor: usize,
    /// Live changed under the modal and the plan is being made again: nothing confirms.
    pub replanning: bool,
    /// Live changed under the modal; the facts were made again.
    pub changed: Option<LiveChanged>,
    /// The engineer has confirmed once since the facts changed: the next confirms.
    pub seen: bool,
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
            cursor: 0,
            replanning: false,
            changed: None,
            seen: true,
        }
    }

    /// Confirming is allowed: no plan is being made again, and new facts were seen.
    pub fn can_confirm(&self) -> bool {
        !self.replanning && (self.changed.is_none() || self.seen)
    }

    /// The rows of choices the platform offers for this plan, in focus order.
    pub fn choice_rows(&self) -> Vec<ConfirmFocus> {
        let choices = &self.plan.choices;
        let mut rows = Vec::new();
        if choices.strategies.len() > 1 {
            rows.push(ConfirmFocus::Strategy);
        }
        if choices.components.len() > 1 {
            rows.push(ConfirmFocus::Components);
        }
        if choices.regions.len() > 1 {
            rows.push(ConfirmFocus::Regions);
        }
        rows
    }

    /// The strategy chosen now.
    pub fn strategy(&self) -> Option<Strategy> {
        self.plan.strategy
    }

    pub fn scope(&self) -> &Scope {
        &self.plan.scope
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
    /// The operations log: the platform's operations, then this console's lines; one is
    /// selected, and `Enter` opens it.
    OperationsLog {
        scroll: u16,
        selected: usize,
    },
    /// One entry of the operations log in full: an operation's steps and log, or a line
    /// with everything the platform said. `Esc` goes back to the log.
    Entry {
        entry: LogItem,
        scroll: u16,
        /// The log's selection to go back to.
        back: usize,
    },
    Details {
        scroll: u16,
    },
    Picker(Picker),
    Confirm(Box<Confirm>),
}

/// An entry of the operations log.
#[derive(Clone, Debug, PartialEq)]
pub enum LogItem {
    /// An operation at the platform.
    Operation(OperationId),
    /// A line of this console's log, by position (oldest first).
    Line(usize),
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
    /// Freshness of the error rates, the list and the operations: each panel says its own.
    pub metrics_freshness: Option<Freshness>,
    pub deployments_freshness: Option<Freshness>,
    pub operations_freshness: Option<Freshness>,
    /// The operations and the live history were read once: later changes are news.
    pub operations_loaded: bool,
    pub history_loaded: bool,
    /// Rows the detail pane is scrolled by (with the focus on it).
    pub detail_scroll: u16,
}

impl EnvView {
    /// The view of a newly focused environment: nothing loaded, loading from now.
    pub fn fresh(now: Timestamp) -> Self {
        Self {
            env_freshness: Some(Freshness::new(now)),
            metrics_freshness: Some(Freshness::new(now)),
            deployments_freshness: Some(Freshness::new(now)),
            operations_freshness: Some(Freshness::new(now)),
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
    /// Idempotency keys this console sent: an operation carrying one is its own.
    pub sent_keys: HashSet<String>,
    /// The estimate of the plan just confirmed, for the operation it starts.
    pub pending_estimate: Option<u64>,
    /// What the last frame could not show of the detail pane and of the open overlay.
    pub detail_hidden: u16,
    pub overlay_hidden: u16,
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
            sent_keys: HashSet::new(),
            pending_estimate: None,
            detail_hidden: 0,
            overlay_hidden: 0,
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
    /// twice means nothing to redraw. It counts every second for the first hour.
    pub fn data_age(&self) -> DataAge {
        let Some(last_ok) = self.view.env_freshness.as_ref().and_then(|f| f.last_ok) else {
            return DataAge::Loading;
        };
        let secs = (self.real_now - last_ok).num_seconds().max(0);
        match secs {
            0..5 => DataAge::JustNow,
            5..3_600 => DataAge::Ago(secs),
            3_600..86_400 => DataAge::Ago(secs / 60 * 60),
            _ => DataAge::Ago(secs / 3_600 * 3_600),
        }
    }

    /// How old a panel's data is, when it is stale (older than three poll intervals), in
    /// whole minutes (0: under a minute), so a panel's mark changes once a minute and only the
    /// header's age counts the seconds. `None` while fresh.
    pub fn stale_age(&self, freshness: Option<&Freshness>) -> Option<i64> {
        let fresh = freshness?;
        if !fresh.is_stale(self.real_now, self.settings.poll.focused) {
            return None;
        }
        let since = fresh.last_ok.unwrap_or(fresh.since);
        let secs = (self.real_now - since).num_seconds().max(0);
        Some(secs / 60 * 60)
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
            env: self.env.clone(),
            operation: None,
            detail: None,
        });
    }

    /// A message on the bottom line and in the log, with nothing kept apart.
    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.say(level, text, String::new(), None);
    }

    /// A message: `verdict` first, then `next` (the next step, never cut), and the full
    /// `detail` in the log when the line says less.
    pub fn say(
        &mut self,
        level: Level,
        verdict: impl Into<String>,
        next: impl Into<String>,
        detail: Option<String>,
    ) {
        let verdict = verdict.into();
        let next = next.into();
        let text = format!("{verdict}{next}");
        let more = detail.as_ref().is_some_and(|d| *d != text);
        self.log.push(LogEntry {
            at: self.now,
            level,
            text: text.clone(),
            env: self.env.clone(),
            operation: None,
            detail: detail.filter(|_| more),
        });
        self.toast = Some(Toast {
            level,
            keep_from: verdict.len(),
            text,
            more,
        });
        self.dirty = true;
    }

    /// The live history's newest change that made the live deployment live.
    pub fn last_switch(&self) -> Option<&LiveChange> {
        let live = self.environment()?.live.as_ref()?;
        self.view
            .live_history
            .as_slice()
            .iter()
            .rev()
            .find(|c| &c.deployment == live)
    }

    /// When the environment went into rolled-back mode and who did it.
    pub fn rolled_back_since(&self) -> Option<&LiveChange> {
        if self.environment()?.mode != EnvMode::RolledBack {
            return None;
        }
        self.view
            .live_history
            .as_slice()
            .iter()
            .rev()
            .find(|c| c.cause == LiveCause::Rollback)
    }

    /// A deployment made after the environment was rolled back: it gets no traffic until a
    /// promote.
    pub fn is_held(&self, d: &Deployment) -> bool {
        let Some(env) = self.environment() else {
            return false;
        };
        if env.live.as_ref() == Some(&d.id) || env.mixed.iter().any(|p| p.deployment == d.id) {
            return false;
        }
        self.rolled_back_since()
            .is_some_and(|since| d.created_at > since.at)
    }

    /// An operation this console sent.
    pub fn is_own(&self, op: &Operation) -> bool {
        self.sent_keys.contains(&op.idempotency_key)
            || self.active.as_ref().is_some_and(|a| a.id == op.id)
    }

    /// Another engineer's operation still under way in the focused environment.
    pub fn others_in_flight(&self) -> Option<&Operation> {
        self.view
            .operations
            .iter()
            .find(|op| !op.status.is_finished() && !self.is_own(op))
    }

    /// A deployment's label, from the list or from what the platform said with the
    /// environment.
    pub fn label_of<'a>(&'a self, id: &'a DeploymentId) -> &'a str {
        if let Some(d) = self.view.list.by_id(id) {
            return &d.label;
        }
        self.environments
            .iter()
            .find_map(|e| {
                if e.live.as_ref() == Some(id) {
                    e.live_label.as_deref()
                } else {
                    e.mixed
                        .iter()
                        .find(|p| &p.deployment == id)
                        .and_then(|p| p.label.as_deref())
                }
            })
            .unwrap_or(id.as_str())
    }

    /// Who serves a mixed environment: `web v41, worker v42`, or `eu-west-1 v41, others
    /// v42`. `None` when one deployment serves everything.
    pub fn mixed_text(&self) -> Option<String> {
        let env = self.environment()?;
        if !env.is_mixed() {
            return None;
        }
        let live = env
            .live
            .as_ref()
            .map_or("nothing".to_owned(), |id| self.label_of(id).to_owned());
        // A platform that tells the split itself (Fly: `v29 on 4/6 Machines, v30 on 2`) says
        // more in its live label than the live deployment's name: its words are shown.
        if let Some(own) = env.live_label.as_deref().filter(|own| *own != live) {
            return Some(own.to_owned());
        }
        let mut parts: Vec<String> = env
            .mixed
            .iter()
            .map(|p| {
                let label = p
                    .label
                    .clone()
                    .unwrap_or_else(|| self.label_of(&p.deployment).to_owned());
                format!("{} {label}", p.scope.describe())
            })
            .collect();
        // Components named one by one when every part is a whole component.
        let components = self
            .project
            .as_ref()
            .and_then(|id| self.projects.iter().find(|p| &p.id == id))
            .map(|p| p.components.clone())
            .unwrap_or_default();
        let whole_components = env.mixed.iter().all(|p| p.scope.regions.is_empty());
        let rest: Vec<&String> = components
            .iter()
            .filter(|c| !env.mixed.iter().any(|p| p.scope.components.contains(c)))
            .collect();
        if whole_components && !components.is_empty() && !rest.is_empty() {
            parts.extend(rest.iter().map(|c| format!("{c} {live}")));
        } else {
            parts.push(format!("others {live}"));
        }
        Some(parts.join(", "))
    }
}
