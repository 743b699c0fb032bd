//! The bottom line: the filter being typed, a toast, or the key hints.

use crate::app::state::{Level, State};
use crate::config::keys::KeyAction;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Shown while they fit, in this order; help and quit always come last and always fit.
const HINTS: [(KeyAction, &str); 7] = [
    (KeyAction::Rollback, "rollback"),
    (KeyAction::Promote, "promote"),
    (KeyAction::Redeploy, "redeploy"),
    (KeyAction::LastGood, "last good"),
    (KeyAction::Environments, "env"),
    (KeyAction::Filter, "filter"),
    (KeyAction::Projects, "project"),
];
const ALWAYS: [(KeyAction, &str); 2] = [(KeyAction::Help, "help"), (KeyAction::Quit, "quit")];

pub fn render(buf: &mut Buffer, area: Rect, state: &State, theme: &Theme) {
    let line = if state.filtering {
        Line::from(vec![
            Span::styled(" / ", theme.key),
            Span::raw(state.view.list.filter().to_owned()),
            Span::styled("▏", theme.accent),
            Span::styled("  Enter keeps · Esc clears", theme.muted),
        ])
    } else if let Some(toast) = state.toast.as_ref().filter(|t| t.until > state.real_now) {
        let style = match toast.level {
            Level::Info => theme.text,
            Level::Ok => theme.ok,
            Level::Warn => theme.warning,
            Level::Error => theme.danger,
        };
        Line::from(Span::styled(
            super::format::fit(
                &format!(" {} {}", toast.level.symbol(), toast.text),
                usize::from(area.width),
            )
            .into_owned(),
            style,
        ))
    } else {
        hints(state, theme, usize::from(area.width))
    };
    super::text::line(buf, area, &line);
}

fn hints<'a>(state: &State, theme: &Theme, width: usize) -> Line<'a> {
    let cost = |key: &str, word: &str| key.chars().count() + word.len() + 3;
    let hint = |action| state.keymap.hint(action);
    let reserved: usize = ALWAYS.iter().map(|(a, w)| cost(&hint(*a), w)).sum();
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1 + reserved;
    let push = |spans: &mut Vec<Span<'a>>, key: String, word: &str| {
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {word}  "), theme.muted));
    };
    for (action, word) in HINTS {
        let key = hint(action);
        if key.is_empty() {
            continue;
        }
        if used + cost(&key, word) > width {
            break;
        }
        used += cost(&key, word);
        push(&mut spans, key, word);
    }
    for (action, word) in ALWAYS {
        push(&mut spans, hint(action), word);
    }
    Line::from(spans)
}
