//! The confirmation modal: opened only for an allowed action, confirmed consciously.

use super::{Command, close_overlay};
use crate::app::state::{Confirm, ConfirmFocus, Level, Overlay, State};
use crate::config::keys::{KeyCode, KeyPress};
use crate::domain::{Action, DeploymentId, EnvRef};
use crate::operation::{Plan, PlanError, verb};
use ratatui_textarea::{Input, Key};

pub(super) fn on_planned(
    state: &mut State,
    action: Action,
    env: EnvRef,
    target: DeploymentId,
    result: Result<Box<Plan>, PlanError>,
) {
    if state.env.as_ref() != Some(&env) || !matches!(state.overlay, Overlay::None) {
        return;
    }
    state.dirty = true;
    let label = state.view.list.label_of(&target).to_owned();
    match result {
        Ok(plan) => state.overlay = Overlay::Confirm(Box::new(Confirm::new(plan))),
        Err(PlanError::Refused(refusal)) => {
            let hint = refusal
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
                format!(
                    "cannot {} to {label}: {}{hint}",
                    verb(action),
                    refusal.reason
                ),
            );
        }
        Err(PlanError::Backend(error)) => {
            tracing::warn!(error = ?error, "could not check the action");
            state.toast(
                Level::Error,
                format!("{} {label}: could not check: {error}", action.as_str()),
            );
        }
    }
}

pub(super) fn on_key(state: &mut State, key: KeyPress, commands: &mut Vec<Command>) {
    let Overlay::Confirm(modal) = &mut state.overlay else {
        return;
    };
    state.dirty = true;
    if key.code == KeyCode::Esc || key == KeyPress::ctrl('c') {
        let text = format!(
            "{} to {} cancelled",
            verb(modal.action()),
            modal.target_label()
        );
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
    if modal.plan.confirmation.is_typed() {
        match (key.code, modal.focus) {
            (KeyCode::Tab | KeyCode::BackTab, focus) => {
                modal.focus = if focus == ConfirmFocus::Field {
                    ConfirmFocus::Cancel
                } else {
                    ConfirmFocus::Field
                };
            }
            (KeyCode::Enter, ConfirmFocus::Cancel) => {
                let text = format!(
                    "{} to {} cancelled",
                    verb(modal.action()),
                    modal.target_label()
                );
                close_overlay(state);
                state.push_log(Level::Info, text);
            }
            (KeyCode::Enter, _) => {
                let typed = modal.input.lines().first().map_or("", String::as_str);
                if modal.plan.confirmation.accepts(typed) {
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
    let plan = modal.plan;
    state.push_log(
        Level::Info,
        format!(
            "{} to {} confirmed ({} was live)",
            verb(plan.action),
            plan.target.label,
            plan.live_label().unwrap_or("nothing")
        ),
    );
    state.dirty = true;
    // The plan's request, exactly as planned: nothing is rebuilt on the way out.
    commands.push(Command::Start(plan.request));
}
