//! The deployments list: only the visible rows are drawn.

use super::format;
use super::text::{self, Pen};
use crate::app::list::visible_offset;
use crate::app::state::{Pane, State};
use crate::domain::{BuildStatus, Deployment, RuntimeState};
use crate::poller::Trouble;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

pub fn render(buf: &mut Buffer, area: Rect, wide: bool, state: &State, theme: &Theme) {
    let list = &state.view.list;
    let title_style = if state.focus == Pane::List {
        theme.accent
    } else {
        theme.text
    };
    let mut title = vec![Span::styled(" Deployments", title_style)];
    if list.is_loaded() {
        let count = if list.filter().is_empty() {
            format!(" ({})", list.total())
        } else {
            format!(
                " ({} of {}, filter \"{}\")",
                list.len(),
                list.total(),
                list.filter()
            )
        };
        title.push(Span::styled(count, theme.muted));
        if let Some(secs) = state.stale_age(state.view.deployments_freshness.as_ref()) {
            title.push(Span::styled(
                format!(" ⚠ {} old", format::stale_span(secs)),
                theme.stale,
            ));
        }
    }
    text::line(buf, Rect { height: 1, ..area }, &Line::from(title));
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    if let Some((cause, next)) = state.unreachable() {
        let retry = next.map_or_else(String::new, |t| {
            format!(
                "next retry in {}s",
                (t - state.real_now).num_seconds().max(0)
            )
        });
        let headline = match state.connection.trouble {
            Trouble::Refused => format!(" ✗ {} refused the credentials", state.backend_name),
            Trouble::Unusable => format!(" ✗ {} answered, but not usably", state.backend_name),
            Trouble::Unreachable => format!(" ✗ cannot reach {}", state.backend_name),
        };
        let mut lines = vec![Line::from(Span::styled(headline, theme.danger))];
        // The platform's words in full (its URL, the token's variable), wrapped.
        let detail = state.connection.last_detail.clone().unwrap_or(cause);
        let width = usize::from(body.width);
        lines.extend(super::cut::wrap(
            Line::from(format!("   {detail}")),
            width,
            3,
        ));
        lines.push(Line::from(format!("   {retry}")));
        lines.push(Line::from(Span::styled(
            "   ? help and q quit keep working",
            theme.muted,
        )));
        text::lines(buf, body, &lines);
        return;
    }
    if !list.is_loaded() {
        let loading = Line::from(Span::styled(" loading deployments…", theme.muted));
        text::line(buf, body, &loading);
        return;
    }
    if list.is_empty() {
        let text = if list.filter().is_empty() {
            " no deployments here yet".to_owned()
        } else {
            format!(" nothing matches \"{}\" (Esc clears)", list.filter())
        };
        text::line(buf, body, &Line::from(Span::styled(text, theme.muted)));
        return;
    }
    let rows = usize::from(body.height);
    let selected = list.selected_position();
    let offset = visible_offset(list.offset, selected, rows, list.len());
    let live = state.environment().and_then(|e| e.live.as_ref());
    let positions =
        (offset..offset + rows).map_while(|position| list.row(position).map(|d| (position, d)));
    for ((position, d), y) in positions.zip(body.top()..body.bottom()) {
        let is_selected = position == selected;
        let line_style = if is_selected {
            theme.selection
        } else {
            Style::default()
        };
        let mut pen = Pen::new(
            buf,
            Rect {
                y,
                height: 1,
                ..body
            },
            line_style,
        );
        let part = state
            .environment()
            .and_then(|e| e.mixed.iter().find(|p| p.deployment == d.id))
            .map(|p| p.scope.describe());
        let kind = Row {
            live: Some(&d.id) == live,
            part: part.as_deref(),
            held: state.is_held(d),
            selected: is_selected,
            wide,
        };
        row(&mut pen, d, kind, usize::from(body.width), state, theme);
    }
}

/// How a row is drawn.
#[derive(Clone, Copy)]
struct Row<'a> {
    live: bool,
    /// The part of a mixed environment it serves.
    part: Option<&'a str>,
    /// Made after a rollback: no traffic until a promote.
    held: bool,
    selected: bool,
    wide: bool,
}

/// Column widths: on a wide screen labels and authors get room, and the flags a column of
/// their own so commit subjects line up.
struct Widths {
    label: usize,
    author: usize,
    flags: Option<usize>,
}

impl Widths {
    fn of(wide: bool) -> Self {
        if wide {
            Self {
                label: 7,
                author: 12,
                flags: Some(11),
            }
        } else {
            Self {
                label: 6,
                author: 7,
                flags: None,
            }
        }
    }
}

/// `text` made to fit `columns` and padded with spaces to them, in one style.
fn padded(pen: &mut Pen, text: &str, columns: usize, style: Style) {
    let text = format::fit(text, columns);
    pen.put(&text, style);
    pen.spaces(columns.saturating_sub(crate::text::width(&text)), style);
}

/// One deployment: marker, label, commit, author, age, state, flags, and on a wide screen
/// the commit subject; padded to the full width.
fn row(pen: &mut Pen, d: &Deployment, kind: Row, width: usize, state: &State, theme: &Theme) {
    let plain = Style::default();
    let cols = Widths::of(kind.wide);
    let runtime_style = match d.runtime_state {
        RuntimeState::Running => theme.text,
        RuntimeState::Starting => theme.warning,
        RuntimeState::SpunDown => theme.muted,
    };
    pen.put(if kind.selected { "▶" } else { " " }, plain);
    let marker = if kind.live {
        "● "
    } else if kind.part.is_some() {
        "◐ "
    } else {
        "  "
    };
    pen.put(marker, theme.live);
    let label_style = if kind.live || kind.part.is_some() {
        theme.live
    } else {
        theme.text
    };
    padded(pen, &d.label, cols.label, label_style);
    pen.put(" ", label_style);
    padded(pen, &d.short_commit(), 7, theme.muted);
    pen.put(" ", theme.muted);
    padded(pen, d.author.as_deref().unwrap_or("-"), cols.author, plain);
    pen.put(" ", plain);
    let age = format::age(state.now, d.created_at);
    pen.spaces(3usize.saturating_sub(age.chars().count()), theme.muted);
    pen.put(&age, theme.muted).put(" ", theme.muted);
    if kind.held && d.build_status == BuildStatus::Ready {
        padded(pen, "held", 9, theme.warning);
    } else if d.build_status == BuildStatus::Ready {
        padded(pen, d.runtime_state.as_str(), 9, runtime_style);
    } else {
        let style = match d.build_status {
            BuildStatus::Failed | BuildStatus::Canceled => theme.danger,
            _ => theme.warning,
        };
        padded(pen, d.build_status.as_str(), 9, style);
    }
    let start = usize::from(pen.used());
    if kind.live {
        pen.put(" live", theme.live);
    }
    if let Some(part) = kind.part {
        pen.put(&format!(" live {part}"), theme.live);
    }
    if d.is_rollback {
        pen.put(" ↶rollback", theme.warning);
    }
    if d.artifact.pruned {
        pen.put(" ✗pruned", theme.muted);
    }
    if kind.wide
        && let Some(commit) = &d.commit
    {
        let flags = cols.flags.unwrap_or(0);
        let at = start + flags;
        pen.spaces(at.saturating_sub(usize::from(pen.used())), plain);
        let room = width.saturating_sub(usize::from(pen.used()) + 2);
        if room > 8 {
            pen.put("  ", theme.muted)
                .put(&format::fit(&commit.subject, room), theme.muted);
        }
    }
    let used = usize::from(pen.used());
    pen.spaces(width.saturating_sub(used), plain);
}
