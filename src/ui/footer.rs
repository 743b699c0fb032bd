//! The bottom line: the filter being typed, a toast, or the key hints.

use crate::app::state::{Level, State};
use crate::config::keys::KeyAction;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const HINTS: [(KeyAction, &str); 9] = [
    (KeyAction::Rollback, "rollback"),
    (KeyAction::Promote, "promote"),
    (KeyAction::Redeploy, "redeploy"),
    (KeyAction::LastGood, "last good"),
    (KeyAction::Environments, "env"),
    (KeyAction::Projects, "project"),
    (KeyAction::Filter, "filter"),
    (KeyAction::Help, "help"),
    (KeyAction::Quit, "quit"),
];

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let line = if state.filtering {
        Line::from(vec![
            Span::styled(" / ", theme.key),
            Span::raw(state.list.filter().to_owned()),
            Span::styled("▏", theme.accent),
            Span::styled("  Enter keeps · Esc clears", theme.muted),
        ])
    } else if let Some(toast) = state.toast.as_ref().filter(|t| t.until > state.now) {
        let style = match toast.level {
            Level::Info => theme.text,
            Level::Ok => theme.ok,
            Level::Warn => theme.warning,
            Level::Error => theme.danger,
        };
        Line::from(Span::styled(
            super::format::fit(&format!(" {} {}", toast.level.symbol(), toast.text), usize::from(area.width)),
            style,
        ))
    } else {
        hints(state, theme, usize::from(area.width))
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn hints<'a>(state: &State, theme: &Theme, width: usize) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (action, word) in HINTS {
        let key = state.keymap.hint(action);
        if key.is_empty() {
            continue;
        }
        let cost = key.chars().count() + word.len() + 3;
        if used + cost > width {
            break;
        }
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {word}  "), theme.muted));
        used += cost;
    }
    Line::from(spans)
}
