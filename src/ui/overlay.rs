//! Help, operations log (and one entry of it in full), deployment details and the pickers.
//! Pages are drawn a line per row, cut with `…`, so they stop at their last line.

use super::{cut, format, layout, modal_block};
use crate::app::message::clock_full;
use crate::app::state::{Level, LogItem, Overlay, Picker, PickerKind, State};
use crate::config::keys::KeyAction;
use crate::domain::{Operation, OperationStatus, StepStatus};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// The box a page takes, and the rows inside it.
fn page_rect(area: Rect) -> (Rect, u16) {
    let rect = layout::centered(
        area,
        area.width.saturating_sub(4).min(100),
        area.height.saturating_sub(2),
    );
    (rect, rect.height.saturating_sub(2))
}

fn page(
    buf: &mut Buffer,
    area: Rect,
    title: &str,
    hint: &str,
    lines: Vec<Line>,
    scroll: u16,
    theme: &Theme,
) {
    let (rect, rows) = page_rect(area);
    let hidden = (lines.len() as u16).saturating_sub(rows);
    let scroll = scroll.min(hidden);
    let more = if scroll < hidden { "↓ more · " } else { "" };
    let title = Line::from(vec![
        Span::styled(format!(" {title} "), theme.accent),
        Span::styled(format!("· {more}{hint} "), theme.muted),
    ]);
    let inner = modal_block(buf, rect, title, theme, theme.border);
    let width = usize::from(inner.width);
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(usize::from(scroll))
        .take(usize::from(rows))
        .map(|l| cut::fit(l, width))
        .collect();
    super::text::lines(buf, inner, &shown);
}

/// The rows of the open page that its box cannot show: how far it may scroll.
pub fn hidden(area: Rect, state: &State, theme: &Theme) -> u16 {
    let (_, rows) = page_rect(area);
    let count = match &state.overlay {
        Overlay::Help { .. } => help_lines(state, theme).len(),
        Overlay::Details { .. } => details_lines(state, theme).1.len(),
        Overlay::Entry { entry, .. } => {
            let (rect, _) = page_rect(area);
            wrapped(entry_lines(state, entry, theme).1, rect).len()
        }
        _ => return 0,
    };
    (count as u16).saturating_sub(rows)
}

/// What the screen's symbols mean, for the help page.
const LEGEND: [(&str, &str); 10] = [
    ("▶", "the selected deployment"),
    ("●", "the live deployment"),
    (
        "◐",
        "serves part of a mixed environment (live web: only the web component)",
    ),
    (
        "↶",
        "made by a rollback (↶rollback), or a rollback on the error-rate axis",
    ),
    ("↑ ⇡", "a deploy and a promotion on the error-rate axis"),
    (
        "✗",
        "an artifact pruned by retention, a refusal or a failure",
    ),
    ("▲", "an error rate above the threshold (danger colour)"),
    (
        "⚠",
        "STALE, UNREACHABLE or BAD ANSWERS, ROLLED BACK mode, a figure's age",
    ),
    ("held", "made after a rollback: no traffic until a promote"),
    ("!", "a warning before confirming"),
];

fn help_lines<'a>(state: &State, theme: &Theme) -> Vec<Line<'a>> {
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
        " What the symbols mean",
        theme.accent,
    )));
    for (symbol, meaning) in LEGEND {
        lines.push(Line::from(vec![
            Span::styled(format!(" {symbol:<14}"), theme.key),
            Span::raw(meaning),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(" ROLLED BACK", theme.warning)));
    lines.push(Line::from(Span::styled(
        " After a rollback, pushes still deploy but get no traffic (held). p on the live",
        theme.muted,
    )));
    lines.push(Line::from(Span::styled(
        " deployment confirms the rollback and ends the mode; promoting a newer one ends it too.",
        theme.muted,
    )));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " Keys are set in the config's [keys] table by the names in brackets.",
        theme.muted,
    )));
    let protected = state.settings.protected_environments.join(", ");
    lines.push(Line::from(Span::styled(
        format!(
            " Confirming in {protected}: type the environment's id (as the modal shows it), then Enter. Elsewhere: y."
        ),
        theme.muted,
    )));
    lines.push(Line::from(Span::styled(
        " In a modal, Tab reaches the strategy, components and regions where the platform has them.",
        theme.muted,
    )));
    lines
}

/// Generated from the keymap, so it always tells the real bindings.
pub fn help(buf: &mut Buffer, area: Rect, scroll: u16, state: &State, theme: &Theme) {
    let lines = help_lines(state, theme);
    page(
        buf,
        area,
        "Help",
        "Esc closes · j/k G g",
        lines,
        scroll,
        theme,
    );
}

fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Error => theme.danger,
        Level::Warn => theme.warning,
        Level::Ok => theme.ok,
        Level::Info => theme.text,
    }
}

fn status_style(op: &Operation, theme: &Theme) -> Style {
    match op.status {
        OperationStatus::Exception => theme.danger,
        OperationStatus::Completed => theme.text,
        _ => theme.warning,
    }
}

/// `rollback to v41 (web only) by dana · completed`.
fn operation_text(state: &State, op: &Operation) -> String {
    let part = if op.scope.is_everything() {
        String::new()
    } else {
        format!(" ({} only)", op.scope.describe())
    };
    let why = op
        .error
        .as_ref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    let to = match op.kind {
        crate::domain::OperationKind::Redeploy => "",
        _ => " to",
    };
    format!(
        "{}{to} {}{part} by {} · {}{why}",
        op.kind.as_str(),
        state.label_of(&op.target),
        op.actor,
        op.status.as_str()
    )
}

pub fn operations_log(buf: &mut Buffer, area: Rect, selected: usize, state: &State, theme: &Theme) {
    let offset = state.settings.local_offset;
    let env_name = |env: Option<&crate::domain::EnvRef>| {
        env.map_or(String::new(), |e| format!("{} ", e.environment))
    };
    // Rows of the log: headings are not selectable; `rows_of` maps items to rows.
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut rows_of = Vec::new();
    let mark = |i: usize| if i == selected { "▶ " } else { "  " };
    let (rect, _) = page_rect(area);
    let width = usize::from(rect.width.saturating_sub(2));
    // An entry wraps under its text: the time and place stay a column of their own.
    let indent = 3 + clock_full(state.now, offset).chars().count() + 2;
    let wrapped = |line: Line<'static>, lines: &mut Vec<Line<'static>>| {
        lines.extend(cut::wrap(line, width, indent));
    };
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
    let mut item = 0;
    for op in &state.view.operations {
        rows_of.push(lines.len());
        let line = Line::from(vec![
            Span::raw(format!(" {}", mark(item))),
            Span::styled(
                format!(
                    "{}  {}",
                    clock_full(op.created_at, offset),
                    env_name(Some(&op.env))
                ),
                theme.muted,
            ),
            Span::styled(operation_text(state, op), status_style(op, theme)),
        ]);
        wrapped(
            if item == selected {
                line.patch_style(theme.selection)
            } else {
                line
            },
            &mut lines,
        );
        item += 1;
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
        rows_of.push(lines.len());
        let more = if entry.detail.is_some() || entry.operation.is_some() {
            "  ⏎"
        } else {
            ""
        };
        let line = Line::from(vec![
            Span::raw(format!(" {}", mark(item))),
            Span::styled(
                format!(
                    "{}  {}",
                    clock_full(entry.at, offset),
                    env_name(entry.env.as_ref())
                ),
                theme.muted,
            ),
            Span::styled(
                format!("{} {}", entry.level.symbol(), entry.text),
                level_style(entry.level, theme),
            ),
            Span::styled(more, theme.muted),
        ]);
        wrapped(
            if item == selected {
                line.patch_style(theme.selection)
            } else {
                line
            },
            &mut lines,
        );
        item += 1;
    }
    // The selected row stays in view.
    let (_, rows) = page_rect(area);
    let row = rows_of.get(selected).copied().unwrap_or(0);
    let scroll = row.saturating_sub(usize::from(rows).saturating_sub(2)) as u16;
    page(
        buf,
        area,
        "Operations log",
        "j/k select · Enter opens · Esc closes",
        lines,
        scroll,
        theme,
    );
}

/// One entry in full: an operation's every step and log line, or a line of the console's
/// log with everything the platform said.
fn entry_lines<'a>(state: &'a State, entry: &LogItem, theme: &Theme) -> (String, Vec<Line<'a>>) {
    let offset = state.settings.local_offset;
    let row = |name: &str, value: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {name:<10}"), theme.muted),
            Span::styled(value, style),
        ])
    };
    let op_id = match entry {
        LogItem::Operation(id) => Some(id.clone()),
        LogItem::Line(i) => state.log.get(*i).and_then(|e| e.operation.clone()),
    };
    let mut lines = Vec::new();
    if let LogItem::Line(i) = entry
        && let Some(e) = state.log.get(*i)
    {
        lines.push(row("at", clock_full(e.at, offset), theme.text));
        if let Some(env) = &e.env {
            lines.push(row("where", env.to_string(), theme.text));
        }
        lines.push(row(
            "said",
            format!("{} {}", e.level.symbol(), e.text),
            level_style(e.level, theme),
        ));
        if let Some(detail) = &e.detail {
            for (i, part) in detail.split("; ").enumerate() {
                lines.push(row(
                    if i == 0 { "platform" } else { "" },
                    part.to_owned(),
                    theme.text,
                ));
            }
        }
    }
    let op = op_id.as_ref().and_then(|id| {
        state
            .view
            .operations
            .iter()
            .chain(state.active.as_ref().and_then(|a| a.operation.as_ref()))
            .find(|o| &o.id == id)
    });
    let title = match (op, entry) {
        (Some(op), _) => format!("Operation {}", op.id),
        (None, _) => "Log entry".to_owned(),
    };
    if let Some(op) = op {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(row(
            "operation",
            operation_text(state, op),
            status_style(op, theme),
        ));
        lines.push(row("where", op.env.to_string(), theme.text));
        lines.push(row(
            "started",
            clock_full(op.created_at, offset),
            theme.text,
        ));
        if let Some(end) = op.finished_at {
            lines.push(row("ended", clock_full(end, offset), theme.text));
        }
        if let Some(strategy) = op.strategy {
            lines.push(row("strategy", strategy.describe(), theme.text));
        }
        for (i, step) in op.steps.iter().enumerate() {
            let (symbol, style) = match step.status {
                StepStatus::Done => ("✓", theme.ok),
                StepStatus::Running => ("▶", theme.accent),
                StepStatus::Failed => ("✗", theme.danger),
                StepStatus::Skipped => ("-", theme.muted),
                StepStatus::Pending => ("·", theme.muted),
            };
            let took = match (step.started_at, step.finished_at) {
                (Some(a), Some(b)) => format!(
                    " ({})",
                    format::clock_span((b - a).num_seconds().max(0) as u64)
                ),
                _ => String::new(),
            };
            lines.push(row(
                if i == 0 { "steps" } else { "" },
                format!("{symbol} {}{took}", step.name),
                style,
            ));
        }
        for (i, entry) in op.log.iter().enumerate() {
            lines.push(row(
                if i == 0 { "log" } else { "" },
                format!("{} {}", entry.at.format("%H:%M:%S"), entry.message),
                theme.text,
            ));
        }
    } else if op_id.is_some() {
        lines.push(row(
            "operation",
            "no longer listed by the platform".to_owned(),
            theme.muted,
        ));
    }
    (title, lines)
}

/// An entry's lines wrapped to the page, under their value column: everything the platform
/// said is read, nothing cut.
fn wrapped(lines: Vec<Line<'_>>, rect: Rect) -> Vec<Line<'static>> {
    let width = usize::from(rect.width.saturating_sub(2));
    lines
        .into_iter()
        .flat_map(|line| cut::wrap(line, width, 12))
        .collect()
}

pub fn entry(
    buf: &mut Buffer,
    area: Rect,
    entry: &LogItem,
    scroll: u16,
    state: &State,
    theme: &Theme,
) {
    let (title, lines) = entry_lines(state, entry, theme);
    let (rect, _) = page_rect(area);
    let lines = wrapped(lines, rect);
    page(
        buf,
        area,
        &title,
        "Esc back · j/k G g",
        lines,
        scroll,
        theme,
    );
}

fn details_lines<'a>(state: &'a State, theme: &Theme) -> (String, Vec<Line<'a>>) {
    let Some(d) = state.view.list.selected() else {
        return ("Details".to_owned(), vec![Line::raw(" nothing selected")]);
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
            " ✗ pruned artifact: removed by retention",
            theme.danger,
        )));
    }
    if state.is_held(d) {
        lines.push(Line::from(Span::styled(
            " held: made after the rollback, no traffic until a promote",
            theme.warning,
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
            .map_or("?", |id| state.label_of(id));
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
                    format!(
                        "{} {}",
                        c.sha.chars().take(7).collect::<String>(),
                        c.subject
                    ),
                ));
            }
        }
    }
    (format!("Deployment {}", d.label), lines)
}

pub fn details(buf: &mut Buffer, area: Rect, scroll: u16, state: &State, theme: &Theme) {
    let (title, lines) = details_lines(state, theme);
    page(
        buf,
        area,
        &title,
        "Esc closes · j/k G g",
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
    let width = usize::from(inner.width);
    let offset = picker.selected.saturating_sub(rows - 1);
    let lines: Vec<Line> = picker
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, (_, label))| {
            let marker = if i == picker.selected { "▶ " } else { "  " };
            let line = cut::fit(Line::raw(format!("{marker}{label}")), width);
            if i == picker.selected {
                line.patch_style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    super::text::lines(buf, inner, &lines);
}
