//! `update(&mut State, Msg) -> Vec<Command>`: every state change, pure and testable.

mod confirm;
mod keys;
mod poll;

use super::command::Command;
use super::message;
use super::msg::Msg;
use super::state::{ActiveOperation, Detail, Level, Overlay, State};
use crate::backend::BackendError;
use crate::domain::{Action, DeploymentId, Timestamp};
use crate::poller::{Resource, Target};
use std::time::Duration;

/// Applies one message; returns what the loop must do.
pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut commands = Vec::new();
    match msg {
        Msg::Key(key) => {
            // A message stays until the next key.
            if state.toast.take().is_some() {
                state.dirty = true;
            }
            keys::on_key(state, key, &mut commands);
        }
        Msg::Paste(text) => keys::on_paste(state, &text),
        Msg::Tick { now, real } => on_tick(state, now, real),
        Msg::Resize {
            width,
            height,
            list_rows,
        } => {
            state.width = width;
            state.height = height;
            state.list_rows = list_rows.max(1);
            let rows = state.list_rows;
            state.view.list.scroll_into_view(rows);
            state.dirty = true;
        }
        Msg::Measured {
            detail_hidden,
            overlay_hidden,
        } => on_measured(state, detail_hidden, overlay_hidden),
        Msg::Poll(event) => poll::on_poll(state, event, &mut commands),
        Msg::Detail { env, target, data } => {
            if state.env.as_ref() == Some(&env) {
                let detail = Detail {
                    target,
                    error: data.diff.as_ref().err().map(ToString::to_string),
                    diff: data.diff.ok(),
                    actions: data.actions,
                    target_rate: data.target_rate,
                };
                if state
                    .view
                    .detail
                    .as_ref()
                    .is_some_and(|d| d.target == detail.target)
                {
                    state.view.detail = Some(detail);
                    state.dirty = true;
                }
            }
        }
        Msg::Planned {
            action,
            env,
            target,
            result,
        } => confirm::on_planned(state, action, env, target, result),
        Msg::Started {
            action,
            env,
            target_label,
            result,
        } => on_started(state, action, env, target_label, result, &mut commands),
        Msg::LastGood { env, result } => on_last_good(state, env, result, &mut commands),
        Msg::Signal(name) => {
            tracing::info!(signal = name, "quitting on signal");
            state.quit = true;
            commands.push(Command::Quit);
        }
    }
    if !state.quit {
        refresh_detail(state, false, &mut commands);
        sync_targets(state, &mut commands);
    }
    commands
}

/// The frame's measure: scrolls are kept within what there is to see.
fn on_measured(state: &mut State, detail_hidden: u16, overlay_hidden: u16) {
    state.detail_hidden = detail_hidden;
    state.overlay_hidden = overlay_hidden;
    if state.view.detail_scroll > detail_hidden {
        state.view.detail_scroll = detail_hidden;
        state.dirty = true;
    }
    let max = overlay_hidden;
    match &mut state.overlay {
        Overlay::Help { scroll } | Overlay::Details { scroll } | Overlay::Entry { scroll, .. }
            if *scroll > max =>
        {
            *scroll = max;
            state.dirty = true;
        }
        _ => {}
    }
}

/// Everything on screen that depends on the clock alone; a tick redraws only when it
/// changes. Each part is in the steps the screen shows it, so a tick that changes no text
/// draws nothing.
#[derive(Debug, PartialEq)]
struct ClockView {
    data_age: super::state::DataAge,
    stale: Option<String>,
    /// How old each panel's data is once stale.
    panels: [Option<i64>; 3],
    minute: i64,
    retry: Option<i64>,
    operation_secs: Option<i64>,
    /// `live changed … 3s ago` in an open modal.
    modal_secs: Option<i64>,
}

fn clock_view(state: &State) -> ClockView {
    let now = state.now;
    let retry = state
        .unreachable()
        .and_then(|(_, next)| next)
        .map(|t| (t - state.real_now).num_seconds());
    let shown = state
        .active
        .as_ref()
        .and_then(|a| a.operation.as_ref())
        .or_else(|| state.others_in_flight());
    let operation_secs = shown.map(|o| (now - o.created_at).num_seconds());
    let modal_secs = match &state.overlay {
        Overlay::Confirm(modal) => modal
            .changed
            .as_ref()
            .and_then(|c| c.at)
            .map(|at| (now - at).num_seconds()),
        _ => None,
    };
    ClockView {
        data_age: state.data_age(),
        stale: state.stale(),
        panels: [
            state.stale_age(state.view.metrics_freshness.as_ref()),
            state.stale_age(state.view.deployments_freshness.as_ref()),
            state.stale_age(state.view.operations_freshness.as_ref()),
        ],
        minute: now.timestamp() / 60,
        retry,
        operation_secs,
        modal_secs,
    }
}

fn on_tick(state: &mut State, now: Timestamp, real: Timestamp) {
    let before = clock_view(state);
    state.now = now;
    state.real_now = real;
    if clock_view(state) != before {
        state.dirty = true;
    }
}

/// Asks for the selected deployment's detail when the selection moved to another one (or
/// `force`, when live changed).
fn refresh_detail(state: &mut State, force: bool, commands: &mut Vec<Command>) {
    let Some(env) = state.env.clone() else { return };
    let Some(selected) = state.view.list.selected().map(|d| d.id.clone()) else {
        if state.view.detail.take().is_some() {
            state.dirty = true;
        }
        return;
    };
    if !force
        && state
            .view
            .detail
            .as_ref()
            .is_some_and(|d| d.target == selected)
    {
        return;
    }
    let window = live_window(state, &selected);
    if state
        .view
        .detail
        .as_ref()
        .is_none_or(|d| d.target != selected)
    {
        state.view.detail = Some(Detail {
            target: selected.clone(),
            diff: None,
            error: None,
            actions: Vec::new(),
            target_rate: None,
        });
        state.view.detail_scroll = 0;
        state.dirty = true;
    }
    commands.push(Command::FetchDetail {
        env,
        target: selected,
        window,
    });
}

/// When `deployment` was last live: from its last switch-in to the next switch (or now).
pub fn live_window(state: &State, deployment: &DeploymentId) -> Option<(Timestamp, Timestamp)> {
    state.view.live_history.last_window(deployment, state.now)
}

/// What the poller should keep fresh for what is on screen.
pub fn poll_targets(state: &State) -> Vec<Target> {
    let poll = &state.settings.poll;
    let mut targets = vec![
        Target {
            resource: Resource::Identity,
            every: Duration::from_secs(300),
        },
        Target {
            resource: Resource::Projects,
            every: Duration::from_secs(60),
        },
    ];
    if let Some(project) = &state.project {
        targets.push(Target {
            resource: Resource::Environments(project.clone()),
            every: poll.others,
        });
    }
    if let Some(env) = &state.env {
        let focused = state.focused_interval();
        for resource in [
            Resource::Environment(env.clone()),
            Resource::Deployments(env.clone()),
            Resource::Metrics(env.clone()),
            Resource::LiveHistory(env.clone()),
        ] {
            targets.push(Target {
                resource,
                every: focused,
            });
        }
        // Another engineer's operation is followed as closely as the environment.
        let operations = if state.others_in_flight().is_some() {
            focused
        } else {
            poll.others.min(focused * 2)
        };
        targets.push(Target {
            resource: Resource::Operations(env.clone()),
            every: operations,
        });
    }
    if let Some(active) = &state.active {
        targets.push(Target {
            resource: Resource::Operation(active.env.clone(), active.id.clone()),
            every: poll.operation,
        });
    }
    targets
}

fn sync_targets(state: &mut State, commands: &mut Vec<Command>) {
    let targets = poll_targets(state);
    if targets != state.poll_targets {
        state.poll_targets = targets.clone();
        commands.push(Command::SetPollTargets(targets));
    }
}

/// The focused environment's resources, refreshed now (after a switch or a refusal).
fn refresh_env(state: &State, commands: &mut Vec<Command>) {
    if let Some(env) = &state.env {
        commands.push(Command::PollNow(vec![
            Resource::Environment(env.clone()),
            Resource::Deployments(env.clone()),
            Resource::LiveHistory(env.clone()),
            Resource::Metrics(env.clone()),
            Resource::Operations(env.clone()),
        ]));
    }
}

fn on_started(
    state: &mut State,
    action: Action,
    env: crate::domain::EnvRef,
    target_label: String,
    result: Result<crate::backend::OperationHandle, BackendError>,
    commands: &mut Vec<Command>,
) {
    let label = state
        .label_of(&DeploymentId::new(target_label.clone()))
        .to_owned();
    state.dirty = true;
    let estimate_secs = state.pending_estimate.take();
    match result {
        Ok(handle) => {
            state.push_log(
                Level::Info,
                format!("{} started ({})", message::noun(action, &label), handle.id),
            );
            if let Some(entry) = state.log.last_mut() {
                entry.operation = Some(handle.id.clone());
            }
            state.active = Some(ActiveOperation {
                env,
                id: handle.id,
                action,
                target_label: label,
                operation: None,
                estimate_secs,
            });
        }
        Err(error) => {
            tracing::warn!(error = ?error, action = action.as_str(), "operation refused");
            let said = message::rejected(state, action, &label, &error);
            state.say(Level::Error, said.verdict, said.next, said.detail);
            refresh_env(state, commands);
        }
    }
}

fn on_last_good(
    state: &mut State,
    env: crate::domain::EnvRef,
    result: Result<Option<crate::operation::LastGood>, BackendError>,
    commands: &mut Vec<Command>,
) {
    if state.env.as_ref() != Some(&env) {
        return;
    }
    state.dirty = true;
    match result {
        Ok(Some(good)) => {
            let id = good.deployment.clone();
            state.view.last_good = Some(good);
            if state.view.list.select_id(&id) {
                let rows = state.list_rows;
                state.view.list.scroll_into_view(rows);
                refresh_detail(state, false, commands);
            } else {
                state.toast(
                    Level::Warn,
                    format!("last good is {id}, which is not in the loaded list"),
                );
            }
        }
        Ok(None) => {
            let threshold = crate::text::percent(state.settings.error_threshold);
            state.toast(
                Level::Warn,
                format!("no earlier deployment stayed under {threshold} 5xx while it was live"),
            );
        }
        Err(error) => {
            tracing::warn!(error = ?error, "last good lookup failed");
            state.say(
                Level::Error,
                "could not find the last good deployment",
                format!(": {}", crate::poller::short_cause(&error)),
                Some(error.to_string()),
            );
        }
    }
}

pub(super) fn close_overlay(state: &mut State) {
    state.overlay = Overlay::None;
    state.dirty = true;
}
