//! Poll results into state: only real changes mark the screen dirty.

use super::{Command, refresh_detail, refresh_env};
use crate::app::others;
use crate::app::state::{EnvView, Level, LiveChanged, Overlay, State};
use crate::domain::{EnvRef, Environment, EnvironmentKind, OperationStatus};
use crate::poller::{Fetched, Freshness, PollEvent, Resource};

pub(super) fn on_poll(state: &mut State, event: PollEvent, commands: &mut Vec<Command>) {
    track_freshness(state, &event);
    let resource = event.resource.clone();
    let fetched = match event.outcome {
        Ok(fetched) => fetched,
        Err(error) => {
            tracing::debug!(resource = ?resource, error = ?error, failures = event.failures, "poll failed");
            return;
        }
    };
    match fetched {
        Fetched::Identity(identity) => set(state, |s| &mut s.identity, Some(identity)),
        Fetched::Projects(projects) => {
            set(state, |s| &mut s.projects, projects);
            if state.project.is_none()
                && let Some(first) = state.projects.first()
            {
                state.project = Some(first.id.clone());
                state.dirty = true;
            }
        }
        Fetched::Environments(project, environments) => {
            if state.project.as_ref() != Some(&project) {
                return;
            }
            let live_before = state.environment().and_then(|e| e.live.clone());
            set(state, |s| &mut s.environments, environments);
            if state.env.is_none() {
                if let Some(env) = choose_environment(&state.environments) {
                    switch_env(state, env);
                }
            } else if state.environment().and_then(|e| e.live.clone()) != live_before {
                on_live_changed(state, commands);
            }
        }
        Fetched::Environment(environment) => {
            if state.env.as_ref() != Some(&environment.env_ref()) {
                return;
            }
            let live_before = state.environment().and_then(|e| e.live.clone());
            match state
                .environments
                .iter_mut()
                .find(|e| e.id == environment.id)
            {
                Some(existing) if *existing == environment => {}
                Some(existing) => {
                    *existing = environment;
                    state.dirty = true;
                }
                None => {
                    state.environments.push(environment);
                    state.dirty = true;
                }
            }
            if state.environment().and_then(|e| e.live.clone()) != live_before {
                on_live_changed(state, commands);
            }
        }
        Fetched::Deployments {
            env,
            items,
            complete,
        } => {
            if state.env.as_ref() != Some(&env) {
                return;
            }
            let changed = if complete || !state.view.list.is_loaded() {
                state.view.list.replace(items)
            } else {
                state.view.list.merge_head(items)
            };
            if changed {
                let rows = state.list_rows;
                state.view.list.scroll_into_view(rows);
                state.dirty = true;
            }
        }
        Fetched::Metrics {
            env,
            series,
            current,
        } => {
            if state.env.as_ref() == Some(&env) {
                set(state, |s| &mut s.view.metrics, Some(series));
                set(state, |s| &mut s.view.current_rate, current);
            }
        }
        Fetched::LiveHistory(env, history) => {
            if state.env.as_ref() != Some(&env) {
                return;
            }
            let before_last = state.view.live_history.as_slice().last().map(|c| c.at);
            if state.view.live_history.set(history) {
                state.dirty = true;
                others::on_history(state, before_last);
                name_the_change(state);
                refresh_detail(state, true, commands);
            } else if !state.view.history_loaded {
                state.view.history_loaded = true;
            }
        }
        Fetched::Operations(env, operations) => {
            if state.env.as_ref() == Some(&env) {
                others::on_operations(state, operations);
            }
        }
        Fetched::Operation(operation) => {
            let Some(active) = state.active.as_mut() else {
                return;
            };
            if active.id != operation.id {
                return;
            }
            if active.operation.as_ref() != Some(&operation) {
                state.dirty = true;
            }
            let finished = operation.status.is_finished();
            active.operation = Some(operation.clone());
            if finished {
                let active = state.active.take().expect("active checked above");
                let what = crate::app::message::noun(active.action, &active.target_label);
                let took = crate::app::progress::progress(&operation, state.now, None).elapsed_secs;
                let took = crate::text::clock_span(took);
                match operation.status {
                    OperationStatus::Completed => {
                        state.say(Level::Ok, format!("{what} completed in {took}"), "", None)
                    }
                    _ => {
                        let why = operation
                            .error
                            .clone()
                            .unwrap_or_else(|| "no reason given".to_owned());
                        tracing::warn!(operation = %operation.id, error = %why, "operation failed");
                        state.say(
                            Level::Error,
                            format!("{what} failed after {took}"),
                            format!(": {why}"),
                            None,
                        );
                    }
                }
                if let Some(entry) = state.log.last_mut() {
                    entry.operation = Some(operation.id.clone());
                }
                refresh_env(state, commands);
            }
        }
    }
}

fn set<T: PartialEq>(state: &mut State, field: impl FnOnce(&mut State) -> &mut T, value: T) {
    let slot = field(state);
    if *slot != value {
        *slot = value;
        state.dirty = true;
    }
}

fn track_freshness(state: &mut State, event: &PollEvent) {
    if matches!(
        event.resource,
        Resource::Projects | Resource::Environments(_) | Resource::Deployments(_)
    ) {
        let before = state.unreachable();
        state.connection.record(event);
        if state.unreachable() != before {
            state.dirty = true;
        }
    }
    let focused = |env: &EnvRef| state.env.as_ref() == Some(env);
    let view = &mut state.view;
    let slot = match &event.resource {
        Resource::Environment(env) if focused(env) => &mut view.env_freshness,
        Resource::Deployments(env) if focused(env) => &mut view.deployments_freshness,
        Resource::Metrics(env) if focused(env) => &mut view.metrics_freshness,
        Resource::Operations(env) if focused(env) => &mut view.operations_freshness,
        _ => return,
    };
    let fresh = slot.get_or_insert_with(|| Freshness::new(event.at));
    let was_stale = fresh.last_ok.is_none();
    fresh.record(event);
    if was_stale && fresh.last_ok.is_some() {
        state.dirty = true;
    }
}

/// Production first (the environment people are woken up for), else the first one.
fn choose_environment(environments: &[Environment]) -> Option<EnvRef> {
    environments
        .iter()
        .find(|e| e.kind == EnvironmentKind::Production)
        .or_else(|| environments.first())
        .map(Environment::env_ref)
}

/// Focuses another environment: its data starts empty and loads at once.
pub(crate) fn switch_env(state: &mut State, env: EnvRef) {
    if state.env.as_ref() == Some(&env) {
        return;
    }
    state.env = Some(env);
    state.view = EnvView::fresh(state.real_now);
    // A message about another environment would read as about this one.
    state.toast = None;
    state.dirty = true;
}

/// Live moved (our operation, someone else's, or a push): the header changes at once, and
/// runtime states, history, operations and the detail are re-read. An open modal planned on
/// the old live is planned again and says so.
fn on_live_changed(state: &mut State, commands: &mut Vec<Command>) {
    state.dirty = true;
    let live = state.environment().and_then(|e| e.live.clone());
    if let Some(env) = &state.env {
        let label = live.as_ref().map(|id| state.label_of(id).to_owned());
        tracing::info!(env = %env, live = ?label, "live deployment changed");
        commands.push(Command::PollNow(vec![
            Resource::Deployments(env.clone()),
            Resource::LiveHistory(env.clone()),
            Resource::Operations(env.clone()),
        ]));
    }
    let to = live
        .as_ref()
        .map_or("nothing".to_owned(), |id| state.label_of(id).to_owned());
    if let Overlay::Confirm(modal) = &mut state.overlay
        && modal.plan.live.as_ref().map(|(id, _)| id) != live.as_ref()
    {
        modal.replanning = true;
        modal.changed = Some(LiveChanged {
            to,
            by: None,
            at: None,
        });
        commands.push(Command::Plan {
            intent: modal.plan.reads.intent.clone(),
            context: modal.plan.context.clone(),
        });
        name_the_change(state);
    }
    refresh_detail(state, true, commands);
}

/// Who made live what an open modal says it changed to, and when, from the live history.
fn name_the_change(state: &mut State) {
    let live = state.environment().and_then(|e| e.live.clone());
    let change = state
        .view
        .live_history
        .as_slice()
        .last()
        .filter(|c| Some(&c.deployment) == live.as_ref())
        .cloned();
    if let (Overlay::Confirm(modal), Some(change)) = (&mut state.overlay, change)
        && let Some(changed) = modal.changed.as_mut()
        && changed.at.is_none()
    {
        changed.by = change.actor.as_deref().map(str::to_owned);
        changed.at = Some(change.at);
        state.dirty = true;
    }
}
