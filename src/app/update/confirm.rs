//! The confirmation modal: opened only for an allowed action, confirmed consciously. Its
//! strategy and scope may be chosen where the platform allows; the facts follow. When live
//! changes under it, its plan is made again and it says so before anything can be sent.

use super::{Command, close_overlay};
use crate::app::message;
use crate::app::state::{Confirm, ConfirmFocus, Level, Overlay, State};
use crate::config::keys::{KeyCode, KeyPress};
use crate::domain::{Action, DeploymentId, EnvRef, Scope};
use crate::operation::{Plan, PlanError, verb};
use ratatui_textarea::{Input, Key};

pub(super) fn on_planned(
    state: &mut State,
    action: Action,
    env: EnvRef,
    target: DeploymentId,
    result: Result<Box<Plan>, PlanError>,
) {
    if state.env.as_ref() != Some(&env) {
        return;
    }
    if let Overlay::Confirm(modal) = &state.overlay {
        let same = modal.replanning && modal.action() == action && modal.plan.target.id == target;
        if same {
            replanned(state, result);
        }
        return;
    }
    if !matches!(state.overlay, Overlay::None) {
        return;
    }
    state.dirty = true;
    let label = state.label_of(&target).to_owned();
    match result {
        Ok(plan) => state.overlay = Overlay::Confirm(Box::new(Confirm::new(plan))),
        Err(PlanError::Refused(refusal)) => {
            let said = message::refusal(
                state,
                action,
                &label,
                refusal.code.as_deref(),
                &refusal.reason,
                refusal.suggestion,
            );
            state.say(Level::Error, said.verdict, said.next, said.detail);
        }
        Err(PlanError::Backend(error)) => {
            tracing::warn!(error = ?error, "could not check the action");
            let key = state.keymap.hint(super::keys::key_action(action));
            state.say(
                Level::Error,
                format!(
                    "could not check {} to {label}: {}",
                    verb(action),
                    crate::poller::short_cause(&error)
                ),
                format!("; press {key} to try again"),
                Some(error.to_string()),
            );
        }
    }
}

/// The plan made again after live changed: the modal shows the new facts, and the next
/// confirmation only says they were seen.
fn replanned(state: &mut State, result: Result<Box<Plan>, PlanError>) {
    state.dirty = true;
    let Overlay::Confirm(modal) = &mut state.overlay else {
        return;
    };
    match result {
        Ok(plan) => {
            modal.plan = plan;
            modal.replanning = false;
            modal.seen = false;
            modal.scroll = 0;
            modal.cursor = 0;
        }
        Err(error) => {
            let what = message::noun(modal.action(), modal.target_label());
            let changed = modal
                .changed
                .as_ref()
                .map(|c| format!("live changed to {}", c.to))
                .unwrap_or_else(|| "live changed".to_owned());
            close_overlay(state);
            let why = match &error {
                PlanError::Refused(refusal) => refusal.reason.clone(),
                PlanError::Backend(error) => error.to_string(),
            };
            state.say(
                Level::Warn,
                format!("{changed}: {what} is no longer possible"),
                "; nothing was sent",
                Some(why),
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
            "{} cancelled",
            message::noun(modal.action(), modal.target_label())
        );
        close_overlay(state);
        state.push_log(Level::Info, text);
        return;
    }
    match (key.code, modal.focus) {
        (KeyCode::Up | KeyCode::PageUp, _) => {
            modal.scroll = modal
                .scroll
                .saturating_sub(if key.code == KeyCode::Up { 1 } else { 5 });
            return;
        }
        (KeyCode::Down | KeyCode::PageDown, _) => {
            modal.scroll =
                modal
                    .scroll
                    .saturating_add(if key.code == KeyCode::Down { 1 } else { 5 });
            return;
        }
        (KeyCode::Tab | KeyCode::BackTab, _) => {
            modal.focus = next_focus(modal, key.code == KeyCode::BackTab);
            modal.cursor = 0;
            return;
        }
        (_, ConfirmFocus::Strategy | ConfirmFocus::Components | ConfirmFocus::Regions) => {
            choose(modal, key);
            return;
        }
        _ => {}
    }
    if modal.plan.confirmation.is_typed() {
        match (key.code, modal.focus) {
            (KeyCode::Enter, ConfirmFocus::Cancel) => {
                let text = format!(
                    "{} cancelled",
                    message::noun(modal.action(), modal.target_label())
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
        KeyCode::Left | KeyCode::Right | KeyCode::Char('h') | KeyCode::Char('l') => {
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

/// Tab: the field (or the buttons), then each row of choices, and round again.
fn next_focus(modal: &Confirm, back: bool) -> ConfirmFocus {
    let mut order = if modal.plan.confirmation.is_typed() {
        vec![ConfirmFocus::Field, ConfirmFocus::Cancel]
    } else {
        vec![ConfirmFocus::Cancel, ConfirmFocus::Confirm]
    };
    order.extend(modal.choice_rows());
    let at = order.iter().position(|f| *f == modal.focus).unwrap_or(0);
    let n = order.len();
    order[if back { (at + n - 1) % n } else { (at + 1) % n }]
}

/// A key on a row of choices: `←`/`→` choose the strategy or move along the components or
/// regions, `Space` (or `Enter`) picks one in or out. The plan follows each choice.
fn choose(modal: &mut Confirm, key: KeyPress) {
    let choices = modal.plan.choices.clone();
    let mut strategy = modal.plan.strategy;
    let mut scope = modal.plan.scope.clone();
    let step: i64 = match key.code {
        KeyCode::Left | KeyCode::Char('h') => -1,
        KeyCode::Right | KeyCode::Char('l') => 1,
        _ => 0,
    };
    let toggle = matches!(key.code, KeyCode::Char(' ') | KeyCode::Enter);
    match modal.focus {
        ConfirmFocus::Strategy if step != 0 => {
            let n = choices.strategies.len() as i64;
            if n == 0 {
                return;
            }
            let at = strategy
                .and_then(|s| choices.strategies.iter().position(|c| *c == s))
                .unwrap_or(0) as i64;
            strategy = Some(choices.strategies[(at + step).rem_euclid(n) as usize]);
        }
        ConfirmFocus::Components | ConfirmFocus::Regions => {
            let components = modal.focus == ConfirmFocus::Components;
            let all = if components {
                &choices.components
            } else {
                &choices.regions
            };
            if all.is_empty() {
                return;
            }
            if step != 0 {
                modal.cursor = (modal.cursor as i64 + step).clamp(0, all.len() as i64 - 1) as usize;
                return;
            }
            if !toggle {
                return;
            }
            let chosen = if components {
                &mut scope.components
            } else {
                &mut scope.regions
            };
            *chosen = toggled(chosen, all, modal.cursor.min(all.len() - 1));
        }
        _ => return,
    }
    if strategy != modal.plan.strategy || scope != modal.plan.scope {
        *modal.plan = modal.plan.choose(strategy, scope);
    }
}

/// `chosen` (empty: all of `all`) with item `at` picked in or out; never none, and all is
/// said as empty.
fn toggled(chosen: &[String], all: &[String], at: usize) -> Vec<String> {
    let mut picked: Vec<bool> = all
        .iter()
        .map(|name| chosen.is_empty() || chosen.contains(name))
        .collect();
    picked[at] = !picked[at];
    if picked.iter().all(|p| !p) {
        return chosen.to_vec();
    }
    if picked.iter().all(|p| *p) {
        return Vec::new();
    }
    all.iter()
        .zip(picked)
        .filter(|(_, p)| *p)
        .map(|(name, _)| name.clone())
        .collect()
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
    if let Overlay::Confirm(modal) = &mut state.overlay {
        if modal.replanning {
            // The facts are being made again: nothing is sent on the old ones.
            return;
        }
        if !modal.seen {
            // The first confirmation after live changed says the new facts were read.
            modal.seen = true;
            return;
        }
    }
    let overlay = std::mem::take(&mut state.overlay);
    let Overlay::Confirm(modal) = overlay else {
        return;
    };
    let plan = modal.plan;
    let scope = if plan.scope == Scope::default() {
        String::new()
    } else {
        format!(", only {}", plan.scope.describe())
    };
    state.push_log(
        Level::Info,
        format!(
            "{} confirmed ({} was live{scope})",
            message::noun(plan.action, &plan.target.label),
            plan.live_label().unwrap_or("nothing")
        ),
    );
    state.dirty = true;
    state
        .sent_keys
        .insert(plan.request.idempotency_key().to_owned());
    state.pending_estimate = plan.estimate.as_ref().map(|e| e.secs);
    // The plan's request, exactly as planned: nothing is rebuilt on the way out.
    commands.push(Command::Start(plan.request));
}

#[cfg(test)]
mod tests {
    use super::toggled;

    #[test]
    fn picking_keeps_at_least_one_and_says_all_as_empty() {
        let all: Vec<String> = ["web", "worker"].map(String::from).to_vec();
        assert_eq!(toggled(&[], &all, 0), vec!["worker".to_owned()]);
        assert_eq!(toggled(&["worker".into()], &all, 0), Vec::<String>::new());
        assert_eq!(
            toggled(&["worker".into()], &all, 1),
            vec!["worker".to_owned()],
            "the last one stays"
        );
    }
}
