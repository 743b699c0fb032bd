//! Help, operations log, deployment details and the pickers.

use super::{format, layout, modal_block};
use crate::app::state::{Level, Picker, PickerKind, State};
use crate::config::keys::KeyAction;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

fn page(buf: &mut Buffer, area: Rect, title: &str, lines: Vec<Line>, scroll: u16, theme: &Theme) {
    let rect = layout::centered(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    let title = Line::from(vec![
        Span::styled(format!(" {title} "), theme.accent),
        Span::styled("· Esc closes · j/k scroll ", theme.muted),
    ]);
    let inner = modal_block(buf, rect, title, theme, theme.border);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(inner, buf);
}

/// Generated from the keymap, so it always tells the real bindings.
pub fn help(buf: &mut Buffer, area: Rect, scroll: u16, state: &State, theme: &Theme) {
    let mut lines = Vec::new();
    for action in KeyAction::ALL {
        let keys: Vec<String> = state
            .keymap
            .keys(action)
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<14}", keys.join(" ")), theme.key),
            Span::raw(action.describe().to_owned()),
            Span::styled(format!("  [{}]", action.name()), theme.muted),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " Keys are set in the config's [keys] table by the names in brackets.",
        theme.muted,
    )));
    let protected = state.settings.protected_environments.join(", ");
    lines.push(Line::from(Span::styled(
        format!(
            " Confirming in {protected}: type the environment's name, then Enter. Elsewhere: y."
        ),
        theme.muted,
    )));
    page(buf, area, "Help", lines, scroll, theme);
}

pub fn operations_log(buf: &mut Buffer, area: Rect, scroll: u16, state: &State, theme: &Theme) {
    let mut lines = Vec::new();
    lines.push(Line::from(Span::styled(
        " At the platform (newest first)",
        theme.accent,
    )));
    if state.view.operations.is_empty() {
        lines.push(Line::from(Span::styled(
            "   no operations recorded",
            theme.muted,
        )));
    }
    for op in &state.view.operations {
        let style = match op.status {
            crate::domain::OperationStatus::Exception => theme.danger,
            crate::domain::OperationStatus::Completed => theme.text,
            _ => theme.warning,
        };
        let why = op
            .error
            .as_ref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!("   {:>4} ago  ", format::age(state.now, op.created_at)),
                theme.muted,
            ),
            Span::styled(
                format!(
                    "{} to {} by {} · {}{why}",
                    op.kind.as_str(),
                    state.view.list.label_of(&op.target),
                    op.actor,
                    op.status.as_str()
                ),
                style,
            ),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " In this console (newest first)",
        theme.accent,
    )));
    if state.log.is_empty() {
        lines.push(Line::from(Span::styled("   nothing yet", theme.muted)));
    }
    for entry in state.log.iter().rev() {
        let style = match entry.level {
            Level::Error => theme.danger,
            Level::Warn => theme.warning,
            Level::Ok => theme.ok,
            Level::Info => theme.text,
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("   {:>4} ago  ", format::age(state.now, entry.at)),
                theme.muted,
            ),
            Span::styled(format!("{} {}", entry.level.symbol(), entry.text), style),
        ]));
    }
    page(buf, area, "Operations log", lines, scroll, theme);
}

pub fn details(buf: &mut Buffer, area: Rect, scroll: u16, state: &State, theme: &Theme) {
    let Some(d) = state.view.list.selected() else {
        return page(
            buf,
            area,
            "Details",
            vec![Line::raw(" nothing selected")],
            scroll,
            theme,
        );
    };
    let row = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {name:<12}"), theme.muted),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        row("label", d.label.clone()),
        row("id", d.id.to_string()),
        row(
            "created",
            format!("{} ago", format::age(state.now, d.created_at)),
        ),
        row("author", d.author.as_deref().unwrap_or("-").to_owned()),
        row("build", d.build_status.as_str().to_owned()),
        row("runtime", d.runtime_state.as_str().to_owned()),
        row("image", d.artifact.image.clone()),
        row(
            "digest",
            d.artifact.digest.clone().unwrap_or_else(|| "-".into()),
        ),
    ];
    if d.artifact.pruned {
        lines.push(Line::from(Span::styled(
            " ✗ artifact pruned by retention",
            theme.danger,
        )));
    }
    if let Some(c) = &d.commit {
        lines.push(row("commit", format!("{} {}", c.sha, c.subject)));
        if let Some(branch) = &c.branch {
            lines.push(row("branch", branch.clone()));
        }
    }
    if !d.regions.is_empty() {
        lines.push(row("regions", d.regions.join(", ")));
    }
    if !d.components.is_empty() {
        lines.push(row("components", d.components.join(", ")));
    }
    for m in &d.migrations {
        lines.push(row("migration", m.clone()));
    }
    for c in d.config.iter() {
        lines.push(row("config", format!("{} ({})", c.name, c.hash)));
    }
    if d.is_rollback {
        let from = d
            .rolled_back_from
            .as_ref()
            .map_or("?", |id| state.view.list.label_of(id));
        lines.push(row("rollback", format!("made by a rollback from {from}")));
    }
    if let Some(detail) = state.view.detail.as_ref().filter(|x| x.target == d.id) {
        for a in &detail.actions {
            let text = match (&a.reason, a.allowed) {
                (_, true) => "allowed".to_owned(),
                (Some(reason), false) => format!("not allowed: {reason}"),
                (None, false) => "not allowed".to_owned(),
            };
            lines.push(row(a.action.as_str(), text));
        }
        if let Some(diff) = &detail.diff {
            for c in &diff.commits_between {
                lines.push(row(
                    "between",
                    format!("{} {}", &c.sha[..c.sha.len().min(7)], c.subject),
                ));
            }
        }
    }
    page(
        buf,
        area,
        &format!("Deployment {}", d.label),
        lines,
        scroll,
        theme,
    );
}

pub fn picker(buf: &mut Buffer, area: Rect, picker: &Picker, theme: &Theme) {
    let title = match picker.kind {
        PickerKind::Environment => " Environment ",
        PickerKind::Project => " Project ",
    };
    let height = (picker.items.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = layout::centered(area, 50, height);
    let inner = modal_block(
        buf,
        rect,
        Line::from(Span::styled(title, theme.accent)),
        theme,
        theme.border,
    );
    let rows = usize::from(inner.height).max(1);
    let offset = picker.selected.saturating_sub(rows - 1);
    let lines: Vec<Line> = picker
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, (_, label))| {
            let marker = if i == picker.selected { "▶ " } else { "  " };
            let line = Line::raw(format!("{marker}{label}"));
            if i == picker.selected {
                line.patch_style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}
