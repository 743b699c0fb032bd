//! The deployments list: only the visible rows are drawn.

use super::format;
use crate::app::list::visible_offset;
use crate::app::state::{Pane, State};
use crate::domain::{BuildStatus, Deployment, RuntimeState};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub fn render(buf: &mut Buffer, area: Rect, wide: bool, state: &State, theme: &Theme) {
    let list = &state.list;
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
    }
    Paragraph::new(Line::from(title)).render(Rect { height: 1, ..area }, buf);
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
        let lines = vec![
            Line::from(Span::styled(
                format!(" ✗ cannot reach {}", state.backend_name),
                theme.danger,
            )),
            Line::from(format!("   {cause}")),
            Line::from(format!("   {retry}")),
            Line::from(Span::styled(
                "   ? help and q quit keep working",
                theme.muted,
            )),
        ];
        Paragraph::new(lines).render(body, buf);
        return;
    }
    if !list.is_loaded() {
        Paragraph::new(Span::styled(" loading deployments…", theme.muted)).render(body, buf);
        return;
    }
    if list.is_empty() {
        let text = if list.filter().is_empty() {
            " no deployments here yet".to_owned()
        } else {
            format!(" nothing matches \"{}\" (Esc clears)", list.filter())
        };
        Paragraph::new(Span::styled(text, theme.muted)).render(body, buf);
        return;
    }
    let rows = usize::from(body.height);
    let selected = list.selected_position();
    let offset = visible_offset(list.offset, selected, rows, list.len());
    let live = state.environment().and_then(|e| e.live.as_ref());
    let lines: Vec<Line> = (offset..offset + rows)
        .map_while(|position| list.row(position).map(|d| (position, d)))
        .map(|(position, d)| {
            let mut line = row(
                d,
                Some(&d.id) == live,
                position == selected,
                wide,
                usize::from(body.width),
                state,
                theme,
            );
            if position == selected {
                line = line.patch_style(theme.selection);
            }
            line
        })
        .collect();
    Paragraph::new(lines).render(body, buf);
}

fn row<'a>(
    d: &'a Deployment,
    live: bool,
    selected: bool,
    wide: bool,
    width: usize,
    state: &State,
    theme: &Theme,
) -> Line<'a> {
    let runtime_style = match d.runtime_state {
        RuntimeState::Running => theme.text,
        RuntimeState::Starting => theme.warning,
        RuntimeState::SpunDown => theme.muted,
    };
    let author = format::fit(d.author.as_deref().unwrap_or("-"), 7);
    let mut spans = vec![
        Span::raw(if selected { "▶" } else { " " }),
        Span::styled(if live { "● " } else { "  " }, theme.live),
        Span::styled(
            format!("{:<6} ", format::fit(&d.label, 6)),
            if live { theme.live } else { theme.text },
        ),
        Span::styled(format!("{:<7} ", d.short_commit()), theme.muted),
        Span::raw(format!("{author:<7} ")),
        Span::styled(
            format!("{:>3} ", format::age(state.now, d.created_at)),
            theme.muted,
        ),
    ];
    if d.build_status == BuildStatus::Ready {
        spans.push(Span::styled(
            format!("{:<9}", d.runtime_state.as_str()),
            runtime_style,
        ));
    } else {
        let style = match d.build_status {
            BuildStatus::Failed | BuildStatus::Canceled => theme.danger,
            _ => theme.warning,
        };
        spans.push(Span::styled(
            format!("{:<9}", d.build_status.as_str()),
            style,
        ));
    }
    if live {
        spans.push(Span::styled(" live", theme.live));
    }
    if d.is_rollback {
        spans.push(Span::styled(" ↶rollback", theme.warning));
    }
    if d.artifact.pruned {
        spans.push(Span::styled(" ✗pruned", theme.muted));
    }
    if wide && let Some(commit) = &d.commit {
        let used: usize = spans.iter().map(Span::width).sum();
        let room = width.saturating_sub(used + 2);
        if room > 8 {
            spans.push(Span::styled(
                format!("  {}", format::fit(&commit.subject, room)),
                theme.muted,
            ));
        }
    }
    let used: usize = spans.iter().map(Span::width).sum();
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    Line::from(spans).style(Style::default())
}
