//! The confirmation modal: opened only for an allowed action, confirmed consciously.

use super::{Command, close_overlay};
use crate::app::command::StartRequest;
use crate::app::effects::Prepared;
use crate::app::state::{Confirm, ConfirmFocus, Level, Overlay, State};
use crate::backend::{BackendError, OperationRequest, RedeployRequest};
use crate::config::keys::{KeyCode, KeyPress};
use crate::domain::{Action, DeploymentId, EnvRef, Scope, Strategy};
use ratatui_textarea::{Input, Key, TextArea};

pub(super) fn on_prepared(
    state: &mut State,
    action: Action,
    env: EnvRef,
    target: DeploymentId,
    result: Result<Box<Prepared>, BackendError>,
) {
    if state.env.as_ref() != Some(&env) || !matches!(state.overlay, Overlay::None) {
        return;
    }
    state.dirty = true;
    let label = state.list.label_of(&target).to_owned();
    let prepared = match result {
        Ok(prepared) => prepared,
        Err(error) => {
            tracing::warn!(error = ?error, "could not check the action");
            state.toast(
                Level::Error,
                format!("{} {label}: could not check: {error}", action.as_str()),
            );
            return;
        }
    };
    if !prepared.availability.allowed {
        let reason = prepared
            .availability
            .reason
            .clone()
            .unwrap_or_else(|| "not allowed".to_owned());
        let hint = prepared
            .availability
            .suggestion
            .map(|s| {
                format!(
                    " — try {} ({})",
                    s.as_str(),
                    state.keymap.hint(super::keys::key_action(s))
                )
            })
            .unwrap_or_default();
        state.toast(
            Level::Error,
            format!("cannot {} to {label}: {reason}{hint}", verb(action)),
        );
        return;
    }
    // The name to type is the environment's id (`production`): short, lower case, exact.
    let env_name = env.environment.to_string();
    let expected_live = state.environment().and_then(|e| e.live.clone());
    let live_label = expected_live
        .as_ref()
        .map(|id| state.list.label_of(id).to_owned());
    let protected = state.environment().is_some_and(|e| state.is_protected(e));
    let caps = &state.capabilities;
    let strategy = if caps.strategies.contains(&Strategy::Rolling) {
        Some(Strategy::Rolling)
    } else {
        caps.strategies.first().copied()
    };
    let pruned = prepared.target.as_ref().is_some_and(|d| d.artifact.pruned);
    let rebuild =
        action == Action::Redeploy && (pruned || !caps.redeploy_artifact) && caps.redeploy_rebuild;
    let mut input = TextArea::default();
    input.set_placeholder_text(format!("type {env_name}"));
    state.overlay = Overlay::Confirm(Box::new(Confirm {
        action,
        env,
        env_name,
        prepared,
        expected_live,
        live_label,
        target_label: label,
        protected,
        input,
        focus: if protected {
            ConfirmFocus::Field
        } else {
            ConfirmFocus::Cancel
        },
        mismatch: false,
        strategy,
        rebuild,
        scroll: 0,
    }));
}

/// `roll back`, `promote`, `redeploy`.
pub fn verb(action: Action) -> &'static str {
    match action {
        Action::Rollback => "roll back",
        Action::Promote => "promote",
        Action::Redeploy => "redeploy",
    }
}

pub(super) fn on_key(state: &mut State, key: KeyPress, commands: &mut Vec<Command>) {
    let Overlay::Confirm(modal) = &mut state.overlay else {
        return;
    };
    state.dirty = true;
    if key.code == KeyCode::Esc || key == KeyPress::ctrl('c') {
        let text = format!("{} to {} cancelled", verb(modal.action), modal.target_label);
        close_overlay(state);
        state.push_log(Level::Info, text);
        return;
    }
    match key.code {
        KeyCode::Up | KeyCode::PageUp => {
            modal.scroll = modal
                .scroll
                .saturating_sub(if key.code == KeyCode::Up { 1 } else { 5 });
            return;
        }
        KeyCode::Down | KeyCode::PageDown => {
            modal.scroll =
                modal
                    .scroll
                    .saturating_add(if key.code == KeyCode::Down { 1 } else { 5 });
            return;
        }
        _ => {}
    }
    if modal.protected {
        match (key.code, modal.focus) {
            (KeyCode::Tab | KeyCode::BackTab, focus) => {
                modal.focus = if focus == ConfirmFocus::Field {
                    ConfirmFocus::Cancel
                } else {
                    ConfirmFocus::Field
                };
            }
            (KeyCode::Enter, ConfirmFocus::Cancel) => {
                let text = format!("{} to {} cancelled", verb(modal.action), modal.target_label);
                close_overlay(state);
                state.push_log(Level::Info, text);
            }
            (KeyCode::Enter, _) => {
                if modal.input.lines().first().map(String::as_str) == Some(modal.env_name.as_str())
                {
                    confirm(state, commands);
                } else {
                    modal.mismatch = true;
                }
            }
            (_, ConfirmFocus::Field) => {
                if let Some(input) = textarea_input(key) {
                    modal.input.input(input);
                    modal.mismatch = false;
                }
            }
            _ => {}
        }
        return;
    }
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') if !key.ctrl && !key.alt => {
            confirm(state, commands)
        }
        KeyCode::Char('n') | KeyCode::Char('N') => close_overlay(state),
        KeyCode::Tab
        | KeyCode::BackTab
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Char('h')
        | KeyCode::Char('l') => {
            modal.focus = if modal.focus == ConfirmFocus::Cancel {
                ConfirmFocus::Confirm
            } else {
                ConfirmFocus::Cancel
            };
        }
        KeyCode::Enter if modal.focus == ConfirmFocus::Confirm => confirm(state, commands),
        KeyCode::Enter => close_overlay(state),
        _ => {}
    }
}

/// Only plain typing and editing reach the field: no newlines, no shortcuts that paste.
fn textarea_input(key: KeyPress) -> Option<Input> {
    let code = match key.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    };
    if key.ctrl && !matches!(code, Key::Char('h' | 'w' | 'u' | 'a' | 'e')) {
        return None;
    }
    Some(Input {
        key: code,
        ctrl: key.ctrl,
        alt: key.alt,
        shift: false,
    })
}

fn confirm(state: &mut State, commands: &mut Vec<Command>) {
    let overlay = std::mem::take(&mut state.overlay);
    let Overlay::Confirm(modal) = overlay else {
        return;
    };
    let actor = state
        .identity
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), |i| i.actor.clone());
    let target = modal
        .prepared
        .target
        .as_ref()
        .map(|d| d.id.clone())
        .unwrap_or_else(|| DeploymentId::new(modal.target_label.clone()));
    let key = modal.prepared.idempotency_key.clone();
    let request = match modal.action {
        Action::Rollback | Action::Promote => {
            let request = OperationRequest {
                env: modal.env.clone(),
                target,
                expected_live: modal.expected_live.clone(),
                idempotency_key: key,
                actor,
                strategy: modal.strategy,
                scope: Scope::default(),
            };
            if modal.action == Action::Rollback {
                StartRequest::Rollback(request)
            } else {
                StartRequest::Promote(request)
            }
        }
        Action::Redeploy => StartRequest::Redeploy(RedeployRequest {
            env: modal.env.clone(),
            source: target,
            rebuild: modal.rebuild,
            expected_live: modal.expected_live.clone(),
            idempotency_key: key,
            actor,
        }),
    };
    state.push_log(
        Level::Info,
        format!(
            "{} to {} confirmed ({} was live)",
            verb(modal.action),
            modal.target_label,
            modal.live_label.as_deref().unwrap_or("nothing")
        ),
    );
    state.dirty = true;
    commands.push(Command::Start(request));
}
