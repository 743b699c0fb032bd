//! Keys: the overlay on top gets them first; otherwise the keymap names the action.

use super::{Command, close_overlay, confirm};
use crate::app::state::{EnvView, Level, LogItem, Overlay, Pane, Picker, PickerKind, State};
use crate::config::keys::{KeyAction, KeyCode, KeyPress};
use crate::domain::{Action, EnvRef};
use crate::operation;

pub(super) fn key_action(action: Action) -> KeyAction {
    match action {
        Action::Rollback => KeyAction::Rollback,
        Action::Promote => KeyAction::Promote,
        Action::Redeploy => KeyAction::Redeploy,
    }
}

pub(super) fn on_paste(state: &mut State, text: &str) {
    match &mut state.overlay {
        Overlay::Confirm(modal) if modal.plan.confirmation.is_typed() => {
            let line: String = text.chars().filter(|c| !c.is_control()).collect();
            modal.input.insert_str(line);
            modal.mismatch = false;
            state.dirty = true;
        }
        Overlay::None if state.filtering => {
            let filter = format!("{}{}", state.view.list.filter(), text.trim());
            state.view.list.set_filter(&filter);
            state.dirty = true;
        }
        _ => {}
    }
}

pub(super) fn on_key(state: &mut State, key: KeyPress, commands: &mut Vec<Command>) {
    let hidden = state.overlay_hidden;
    match &mut state.overlay {
        Overlay::Confirm(_) => return confirm::on_key(state, key, commands),
        Overlay::Picker(_) => return on_picker_key(state, key),
        Overlay::OperationsLog { .. } => return on_log_key(state, key, commands),
        Overlay::Entry { back, .. } if key.code == KeyCode::Esc => {
            let selected = *back;
            state.overlay = Overlay::OperationsLog {
                scroll: 0,
                selected,
            };
            state.dirty = true;
            return;
        }
        Overlay::Help { scroll } | Overlay::Details { scroll } | Overlay::Entry { scroll, .. } => {
            let action = state.keymap.action(key);
            // Scrolls stop at the end: what the last frame could not show.
            match action {
                Some(KeyAction::Down) => *scroll = scroll.saturating_add(1).min(hidden),
                Some(KeyAction::Up) => *scroll = scroll.saturating_sub(1),
                Some(KeyAction::PageDown) => *scroll = scroll.saturating_add(10).min(hidden),
                Some(KeyAction::PageUp) => *scroll = scroll.saturating_sub(10),
                Some(KeyAction::Top) => *scroll = 0,
                Some(KeyAction::Bottom) => *scroll = hidden,
                Some(KeyAction::Quit) if key == KeyPress::ctrl('c') => {
                    return quit(state, commands);
                }
                Some(
                    KeyAction::Cancel
                    | KeyAction::Quit
                    | KeyAction::Help
                    | KeyAction::OperationsLog
                    | KeyAction::Details,
                ) => close_overlay(state),
                _ => return,
            }
            state.dirty = true;
            return;
        }
        Overlay::None => {}
    }
    if state.filtering {
        return on_filter_key(state, key);
    }
    let Some(action) = state.keymap.action(key) else {
        return;
    };
    let rows = state.list_rows;
    if state.focus == Pane::Detail && scroll_detail(state, action) {
        return;
    }
    match action {
        KeyAction::Up => move_by(state, -1, rows),
        KeyAction::Down => move_by(state, 1, rows),
        KeyAction::PageUp => move_by(state, -(rows as i64), rows),
        KeyAction::PageDown => move_by(state, rows as i64, rows),
        KeyAction::Top => move_by(state, i64::MIN / 2, rows),
        KeyAction::Bottom => move_by(state, i64::MAX / 2, rows),
        KeyAction::Details => open(state, Overlay::Details { scroll: 0 }),
        KeyAction::NextPane => {
            state.focus = state.focus.next();
            state.dirty = true;
        }
        KeyAction::Rollback => begin(state, Action::Rollback, commands),
        KeyAction::Promote => begin(state, Action::Promote, commands),
        KeyAction::Redeploy => begin(state, Action::Redeploy, commands),
        KeyAction::LastGood => {
            if let Some(env) = state.env.clone() {
                commands.push(Command::FindLastGood {
                    live: state.environment().and_then(|e| e.live.clone()),
                    env,
                    threshold: state.settings.error_threshold,
                    now: state.now,
                });
            }
        }
        KeyAction::Environments => open_picker(state, PickerKind::Environment),
        KeyAction::Projects => open_picker(state, PickerKind::Project),
        KeyAction::Filter => {
            state.filtering = true;
            state.dirty = true;
        }
        KeyAction::OperationsLog => open(
            state,
            Overlay::OperationsLog {
                scroll: 0,
                selected: 0,
            },
        ),
        KeyAction::Help => open(state, Overlay::Help { scroll: 0 }),
        KeyAction::Cancel => {
            if !state.view.list.filter().is_empty() {
                state.view.list.set_filter("");
                state.view.list.scroll_into_view(rows);
                state.dirty = true;
            } else if state.toast.take().is_some() {
                state.dirty = true;
            }
        }
        KeyAction::Quit => quit(state, commands),
    }
}

/// With the focus on the detail pane, moving keys scroll it (up to what the last frame
/// could not show). Returns whether the key was taken.
fn scroll_detail(state: &mut State, action: KeyAction) -> bool {
    let hidden = state.detail_hidden;
    let scroll = &mut state.view.detail_scroll;
    let before = *scroll;
    match action {
        KeyAction::Down => *scroll = scroll.saturating_add(1).min(hidden),
        KeyAction::Up => *scroll = scroll.saturating_sub(1),
        KeyAction::PageDown => *scroll = scroll.saturating_add(5).min(hidden),
        KeyAction::PageUp => *scroll = scroll.saturating_sub(5),
        KeyAction::Top => *scroll = 0,
        KeyAction::Bottom => *scroll = hidden,
        _ => return false,
    }
    if *scroll != before {
        state.dirty = true;
    }
    true
}

/// The entries of the operations log, in the order it shows them: the platform's
/// operations newest first, then this console's lines newest first.
pub(crate) fn log_items(state: &State) -> Vec<LogItem> {
    state
        .view
        .operations
        .iter()
        .map(|op| LogItem::Operation(op.id.clone()))
        .chain((0..state.log.len()).rev().map(LogItem::Line))
        .collect()
}

/// The operations log: `j`/`k` select, `Enter` opens the entry, `Esc` closes.
fn on_log_key(state: &mut State, key: KeyPress, commands: &mut Vec<Command>) {
    let items = log_items(state);
    let last = items.len().saturating_sub(1);
    let action = state.keymap.action(key);
    let Overlay::OperationsLog { selected, .. } = &mut state.overlay else {
        return;
    };
    match (key.code, action) {
        (KeyCode::Enter, _) => {
            if let Some(entry) = items.get(*selected).cloned() {
                let back = *selected;
                state.overlay = Overlay::Entry {
                    entry,
                    scroll: 0,
                    back,
                };
            }
        }
        (_, Some(KeyAction::Down)) => *selected = (*selected + 1).min(last),
        (_, Some(KeyAction::Up)) => *selected = selected.saturating_sub(1),
        (_, Some(KeyAction::PageDown)) => *selected = (*selected + 10).min(last),
        (_, Some(KeyAction::PageUp)) => *selected = selected.saturating_sub(10),
        (_, Some(KeyAction::Top)) => *selected = 0,
        (_, Some(KeyAction::Bottom)) => *selected = last,
        (_, Some(KeyAction::Quit)) if key == KeyPress::ctrl('c') => {
            return quit(state, commands);
        }
        (_, Some(KeyAction::Cancel | KeyAction::Quit | KeyAction::OperationsLog)) => {
            close_overlay(state)
        }
        _ => return,
    }
    state.dirty = true;
}

fn quit(state: &mut State, commands: &mut Vec<Command>) {
    state.quit = true;
    commands.push(Command::Quit);
}

fn move_by(state: &mut State, delta: i64, rows: usize) {
    let before = (state.view.list.selected_position(), state.view.list.offset);
    state.view.list.move_by(delta, rows);
    if (state.view.list.selected_position(), state.view.list.offset) != before {
        state.dirty = true;
    }
}

fn open(state: &mut State, overlay: Overlay) {
    state.overlay = overlay;
    state.dirty = true;
}

fn on_filter_key(state: &mut State, key: KeyPress) {
    let rows = state.list_rows;
    let mut text = state.view.list.filter().to_owned();
    match key.code {
        KeyCode::Esc => {
            state.filtering = false;
            text.clear();
        }
        KeyCode::Enter => state.filtering = false,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => text.push(c),
        KeyCode::Char('c') if key.ctrl => {
            state.filtering = false;
            text.clear();
        }
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
            let delta = match key.code {
                KeyCode::Up => -1,
                KeyCode::Down => 1,
                KeyCode::PageUp => -(rows as i64),
                _ => rows as i64,
            };
            move_by(state, delta, rows);
        }
        _ => return,
    }
    state.view.list.set_filter(&text);
    state.view.list.scroll_into_view(rows);
    state.dirty = true;
}

fn open_picker(state: &mut State, kind: PickerKind) {
    let (items, current): (Vec<(String, String)>, Option<String>) = match kind {
        PickerKind::Environment => (
            state
                .environments
                .iter()
                .map(|e| {
                    let live = e
                        .live
                        .as_ref()
                        .map(|id| {
                            let label = e.live_label.as_deref().unwrap_or(state.label_of(id));
                            format!("  live {label}")
                        })
                        .unwrap_or_default();
                    let branch = e
                        .branch
                        .as_ref()
                        .map(|b| format!("  ({b})"))
                        .unwrap_or_default();
                    (e.id.to_string(), format!("{}{branch}{live}", e.name))
                })
                .collect(),
            state.env.as_ref().map(|e| e.environment.to_string()),
        ),
        PickerKind::Project => (
            state
                .projects
                .iter()
                .map(|p| (p.id.to_string(), p.name.clone()))
                .collect(),
            state.project.as_ref().map(ToString::to_string),
        ),
    };
    if items.is_empty() {
        state.toast(Level::Warn, "nothing to choose from yet");
        return;
    }
    let selected = current
        .and_then(|c| items.iter().position(|(id, _)| *id == c))
        .unwrap_or(0);
    open(
        state,
        Overlay::Picker(Picker {
            kind,
            items,
            selected,
        }),
    );
}

fn on_picker_key(state: &mut State, key: KeyPress) {
    let Overlay::Picker(picker) = &mut state.overlay else {
        return;
    };
    let action = state.keymap.action(key);
    let last = picker.items.len().saturating_sub(1);
    match (key.code, action) {
        (_, Some(KeyAction::Down)) => picker.selected = (picker.selected + 1).min(last),
        (_, Some(KeyAction::Up)) => picker.selected = picker.selected.saturating_sub(1),
        (_, Some(KeyAction::Top)) => picker.selected = 0,
        (_, Some(KeyAction::Bottom)) => picker.selected = last,
        (KeyCode::Enter, _) => {
            let (kind, id) = (picker.kind, picker.items[picker.selected].0.clone());
            close_overlay(state);
            choose(state, kind, id);
        }
        (
            _,
            Some(
                KeyAction::Cancel | KeyAction::Quit | KeyAction::Environments | KeyAction::Projects,
            ),
        ) => close_overlay(state),
        _ => return,
    }
    state.dirty = true;
}

fn choose(state: &mut State, kind: PickerKind, id: String) {
    match kind {
        PickerKind::Environment => {
            if let Some(project) = state.project.clone() {
                super::poll::switch_env(state, EnvRef::new(project, id));
            }
        }
        PickerKind::Project => {
            let project = crate::domain::ProjectId::new(id);
            if state.project.as_ref() != Some(&project) {
                state.project = Some(project);
                state.environments.clear();
                state.env = None;
                state.view = EnvView::default();
                state.toast = None;
            }
        }
    }
}

/// `r` / `p` / `d`: check with the platform first; the modal opens only when it is allowed.
fn begin(state: &mut State, action: Action, commands: &mut Vec<Command>) {
    let (Some(env), Some(target)) = (state.env.clone(), state.view.list.selected()) else {
        state.toast(
            Level::Warn,
            format!("{}: no deployment selected", action.as_str()),
        );
        return;
    };
    let target = target.id.clone();
    let label = state.label_of(&target).to_owned();
    let caps = &state.capabilities;
    let unsupported = match action {
        Action::Promote => !caps.promote,
        Action::Redeploy => !(caps.redeploy_artifact || caps.redeploy_rebuild),
        Action::Rollback => false,
    };
    if unsupported {
        state.toast(
            Level::Warn,
            format!(
                "{} is not available on this platform ({})",
                action.as_str(),
                state.backend_name
            ),
        );
        return;
    }
    if let Some(active) = &state.active {
        let text = format!(
            "{} to {} is still running; wait for it before starting another",
            active.action.as_str(),
            active.target_label
        );
        state.toast(Level::Warn, text);
        return;
    }
    tracing::debug!(action = action.as_str(), target = %label, "checking action");
    let context = operation::Context {
        protected: state.settings.protected_environments.clone(),
        project_name: state.project_name().map(str::to_owned),
        identity: state.identity.clone(),
        actor: state.settings.actor.clone(),
    };
    commands.push(Command::Plan {
        intent: operation::Intent::new(action, env, target),
        context,
    });
}
