//! `update(&mut State, Msg) -> Vec<Command>`: every state change, pure and testable.

mod confirm;
mod keys;
mod poll;

use super::command::Command;
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
        Msg::Key(key) => keys::on_key(state, key, &mut commands),
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

/// Everything on screen that depends on the clock alone; a tick redraws only when it changes.
fn clock_view(
    state: &State,
) -> (
    super::state::DataAge,
    Option<String>,
    bool,
    i64,
    Option<i64>,
    Option<i64>,
) {
    let now = state.now;
    let retry = state
        .unreachable()
        .and_then(|(_, next)| next)
        .map(|t| (t - state.real_now).num_seconds());
    let op_elapsed = state
        .active
        .as_ref()
        .and_then(|a| a.operation.as_ref())
        .map(|o| (now - o.created_at).num_seconds());
    (
        state.data_age(),
        state.stale(),
        state
            .toast
            .as_ref()
            .is_some_and(|t| t.until > state.real_now),
        now.timestamp() / 60,
        retry,
        op_elapsed,
    )
}

fn on_tick(state: &mut State, now: Timestamp, real: Timestamp) {
    let before = clock_view(state);
    state.now = now;
    state.real_now = real;
    if state.toast.as_ref().is_some_and(|t| t.until <= real) {
        state.toast = None;
    }
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
        targets.push(Target {
            resource: Resource::Operations(env.clone()),
            every: poll.others.min(focused * 2),
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
        .view
        .list
        .label_of(&DeploymentId::new(target_label.clone()))
        .to_owned();
    state.dirty = true;
    match result {
        Ok(handle) => {
            state.push_log(
                Level::Info,
                format!("{} to {label} started ({})", action.as_str(), handle.id),
            );
            state.active = Some(ActiveOperation {
                env,
                id: handle.id,
                action,
                target_label: label,
                operation: None,
            });
        }
        Err(error) => {
            tracing::warn!(error = ?error, action = action.as_str(), "operation refused");
            let text = refusal_text(state, action, &label, &error);
            state.toast(Level::Error, text);
            refresh_env(state, commands);
        }
    }
}

/// One line for the engineer on why the platform said no.
fn refusal_text(state: &State, action: Action, label: &str, error: &BackendError) -> String {
    match error {
        // Live is what this console believes: the platform refused for another reason (a
        // switch already under way), which its message names.
        BackendError::Conflict {
            live_now, message, ..
        } if live_now.is_some()
            && state.environment().and_then(|e| e.live.as_ref()) == live_now.as_ref() =>
        {
            format!(
                "{} to {label} refused: {message}; nothing was done",
                action.as_str()
            )
        }
        BackendError::Conflict {
            live_now,
            live_label,
            changed_by,
            ..
        } => {
            let now_live = live_label
                .clone()
                .or_else(|| {
                    live_now
                        .as_ref()
                        .map(|id| state.view.list.label_of(id).to_owned())
                })
                .unwrap_or_else(|| "another deployment".to_owned());
            let by = changed_by
                .as_ref()
                .map(|b| format!(" (changed by {b})"))
                .unwrap_or_default();
            format!(
                "{} to {label} refused: {now_live} is live now{by}; nothing was done",
                action.as_str()
            )
        }
        BackendError::Precondition {
            message,
            suggestion,
            ..
        } => {
            let hint = suggestion
                .map(|s| {
                    format!(
                        " — try {} ({})",
                        s.as_str(),
                        state.keymap.hint(keys::key_action(s))
                    )
                })
                .unwrap_or_default();
            format!("{} to {label} refused: {message}{hint}", action.as_str())
        }
        BackendError::Forbidden { reason, .. } => {
            format!("{} to {label} not permitted: {reason}", action.as_str())
        }
        other => format!("{} to {label} failed to start: {other}", action.as_str()),
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
            state.toast(
                Level::Error,
                format!("could not find the last good deployment: {error}"),
            );
        }
    }
}

pub(super) fn close_overlay(state: &mut State) {
    state.overlay = Overlay::None;
    state.dirty = true;
}
