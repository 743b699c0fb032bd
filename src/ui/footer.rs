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

/// The bottom line; a message that needs two lines takes the row above it too.
pub fn render(buf: &mut Buffer, area: Rect, state: &State, theme: &Theme) {
    let line = if state.filtering {
        Line::from(vec![
            Span::styled(" / ", theme.key),
            Span::raw(state.view.list.filter().to_owned()),
            Span::styled("▏", theme.accent),
            Span::styled("  Enter keeps · Esc clears", theme.muted),
        ])
    } else if let Some(toast) = state.toast.as_ref() {
        let style = match toast.level {
            Level::Info => theme.text,
            Level::Ok => theme.ok,
            Level::Warn => theme.warning,
            Level::Error => theme.danger,
        };
        let (verdict, next) = toast.parts();
        let keep = if toast.more {
            let log = state.keymap.hint(KeyAction::OperationsLog);
            format!("{next} · {log} for details")
        } else {
            next.to_owned()
        };
        let prefix = format!(" {} ", toast.level.symbol());
        let width = usize::from(area.width).saturating_sub(prefix.chars().count() + 1);
        let lines = super::message::fit(verdict, &keep, width, 2);
        let above = Rect {
            y: area.y.saturating_sub(1),
            ..area
        };
        let rows: Vec<Rect> = if lines.len() > 1 && area.y > 0 {
            vec![above, area]
        } else {
            vec![area]
        };
        for (i, (text, rect)) in lines.iter().zip(rows).enumerate() {
            let lead = if i == 0 {
                prefix.clone()
            } else {
                " ".repeat(prefix.chars().count())
            };
            super::text::patch(buf, rect, theme.text);
            let line = Line::from(Span::styled(format!("{lead}{text}"), style));
            let used = super::text::line(buf, rect, &line);
            let blank = Rect {
                x: rect.x + used,
                width: rect.width.saturating_sub(used),
                ..rect
            };
            super::text::line(
                buf,
                blank,
                &Line::from(" ".repeat(usize::from(blank.width))),
            );
        }
        return;
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
