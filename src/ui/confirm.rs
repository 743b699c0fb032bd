//! The confirmation modal: every fact and warning before anything happens.

use super::{format, layout, modal_block};
use crate::app::state::{Confirm, ConfirmFocus};
use crate::domain::{Action, HOSTS_STAY, SwitchKind};
use crate::operation::facts::{config_changes_text, guard_text, scope_text};
use crate::operation::{DomainFacts, Fact};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// Platform diff details in the modal; the rest is summed up as `+N more`.
const DETAIL_LINES: usize = 4;

fn title_verb(action: Action) -> &'static str {
    match action {
        Action::Rollback => "Roll back",
        Action::Promote => "Promote",
        Action::Redeploy => "Redeploy",
    }
}

/// The plan's facts and warnings, as lines.
pub fn facts<'a>(modal: &'a Confirm, theme: &Theme) -> Vec<Line<'a>> {
    let fact = |name: &str, value: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {name:<9}"), theme.muted),
            Span::styled(value, style),
        ])
    };
    let warn = |text: String, style: Style| Line::from(Span::styled(format!(" ! {text}"), style));
    let target = modal.target_label();
    let mut lines = Vec::new();
    for item in &modal.plan.facts {
        match item {
            Fact::Where {
                project,
                environment,
            } => lines.push(fact(
                "where",
                format!("{project} · {environment}"),
                theme.text,
            )),
            Fact::LiveMoves { from, to } => lines.push(fact(
                "live",
                format!("{} → {to}", from.as_deref().unwrap_or("nothing")),
                theme.accent,
            )),
            Fact::NewDeployment { live, gets_traffic } => {
                let live = live.as_deref().unwrap_or("nothing");
                lines.push(if *gets_traffic {
                    fact(
                        "live",
                        format!("{live} now; the new deployment gets traffic like a push"),
                        theme.text,
                    )
                } else {
                    fact(
                        "live",
                        format!(
                            "{live} stays: rolled back, so the new deployment gets no traffic until a promote"
                        ),
                        theme.warning,
                    )
                });
            }
            Fact::Creates { rebuild, commit } => {
                let how = if *rebuild {
                    format!("new deployment rebuilt from commit {commit} (full pipeline)")
                } else {
                    "new deployment from the same artifact (no build)".to_owned()
                };
                lines.push(fact("creates", how, theme.text));
            }
            Fact::Domains(DomainFacts::Stay(hosts)) => {
                lines.push(fact(
                    "domains",
                    format!("{HOSTS_STAY} to {target}"),
                    theme.text,
                ));
                for host in hosts {
                    lines.push(fact("", host.clone(), theme.muted));
                }
            }
            Fact::Domains(DomainFacts::NoneMove) => {
                lines.push(fact("domains", "none move".to_owned(), theme.text));
            }
            // One hostname a line: every one that moves is read, none is cut.
            Fact::Domains(DomainFacts::Move(hosts)) => {
                for (i, host) in hosts.iter().enumerate() {
                    let name = if i == 0 { "domains" } else { "" };
                    lines.push(fact(name, format!("{host} → {target}"), theme.text));
                }
            }
            Fact::Start { switch, .. } => lines.push(match switch {
                SwitchKind::Instant => {
                    fact("switch", format!("instant ({target} is running)"), theme.ok)
                }
                SwitchKind::Cold { estimate_secs } => fact(
                    "switch",
                    format!(
                        "cold start ~{}: {target} starts, passes a health check, then gets traffic",
                        format::span(*estimate_secs as i64)
                    ),
                    theme.warning,
                ),
            }),
            Fact::Changes(details) => {
                for (i, text) in format::diff_details(details, DETAIL_LINES)
                    .into_iter()
                    .enumerate()
                {
                    let name = if i == 0 { "changes" } else { "" };
                    lines.push(fact(name, text, theme.text));
                }
            }
            Fact::Strategy(strategy) => {
                lines.push(fact("strategy", strategy.describe(), theme.text));
            }
            Fact::Scope(scope) => lines.push(fact("scope", scope_text(scope), theme.text)),
            Fact::Pruned { rebuild } => lines.push(warn(
                if *rebuild {
                    "artifact pruned by retention: rebuilding from source".to_owned()
                } else {
                    "artifact pruned by retention".to_owned()
                },
                theme.danger,
            )),
            Fact::MigrationNotReverted(migration) => lines.push(warn(
                format!("migration {migration} will not be reverted"),
                theme.warning,
            )),
            Fact::ConfigKept(changes) => lines.push(warn(
                format!(
                    "config {} since {target}: runs with today's values",
                    config_changes_text(changes)
                ),
                theme.warning,
            )),
            Fact::EntersRolledBack { environment } => lines.push(warn(
                format!("{environment} becomes ROLLED BACK: pushes get no traffic until a promote"),
                theme.warning,
            )),
            Fact::ReturnsToNormal { environment } => lines.push(fact(
                "mode",
                format!("{environment} returns to normal: the next push gets traffic"),
                theme.text,
            )),
            Fact::ReadOnly => lines.push(warn(
                "your role is read-only: the platform will refuse".to_owned(),
                theme.danger,
            )),
            Fact::Guard { live, atomic } => {
                lines.push(fact("guard", guard_text(live, *atomic), theme.muted))
            }
        }
    }
    lines
}

pub fn render(buf: &mut Buffer, area: Rect, modal: &Confirm, theme: &Theme) {
    let lines = facts(modal, theme);
    let width = area.width.saturating_sub(2).min(78);
    let input_rows: u16 = if modal.typed_name().is_some() { 5 } else { 1 };
    // Rows the facts take once wrapped to the modal's inner width.
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let height = (rows as u16 + input_rows + 3).min(area.height);
    let rect = layout::centered(area, width, height);
    let border = if modal.typed_name().is_some() {
        theme.danger
    } else {
        theme.warning
    };
    let title = match modal.action() {
        Action::Rollback => format!(
            " Roll back {} to {} ",
            modal.env_name(),
            modal.target_label()
        ),
        action => format!(
            " {} {} in {} ",
            title_verb(action),
            modal.target_label(),
            modal.env_name()
        ),
    };
    let title = Line::from(Span::styled(title, border));
    let inner = modal_block(buf, rect, title, theme, border);
    let facts_h = inner.height.saturating_sub(input_rows + 1);
    // Facts that do not fit scroll (↑/↓); the last row says so, so nothing is missed.
    let hidden = (rows as u16).saturating_sub(facts_h);
    let scroll = modal.scroll.min(hidden + u16::from(hidden > 0));
    if hidden > 0 && facts_h > 1 {
        let more = if scroll < hidden + 1 {
            " ↓ more: use ↑/↓ "
        } else {
            " ↑ more above "
        };
        let row = Rect::new(inner.x, inner.y + facts_h - 1, inner.width, 1);
        Paragraph::new(Span::styled(more, theme.warning)).render(row, buf);
    }
    let facts_rows = if hidden > 0 {
        facts_h.saturating_sub(1)
    } else {
        facts_h
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(
            Rect {
                height: facts_rows,
                ..inner
            },
            buf,
        );
    let bottom = Rect::new(
        inner.x,
        inner.y + facts_h,
        inner.width,
        inner.height - facts_h,
    );
    if modal.typed_name().is_some() {
        protected_input(buf, bottom, modal, theme);
    } else {
        buttons(buf, bottom, modal, theme);
    }
}

fn protected_input(buf: &mut Buffer, area: Rect, modal: &Confirm, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let prompt = if modal.mismatch {
        Line::from(Span::styled(
            format!(
                " ✗ that is not `{}`: type {} exactly, or Esc to cancel",
                modal.env_name(),
                modal.env_name()
            ),
            theme.danger,
        ))
    } else {
        Line::from(vec![
            Span::raw(" Type "),
            Span::styled(modal.env_name().to_owned(), theme.accent),
            Span::raw(" and Enter to confirm · Esc cancels"),
        ])
    };
    Paragraph::new(prompt).render(Rect { height: 1, ..area }, buf);
    let field_style = if modal.focus == ConfirmFocus::Field {
        theme.accent
    } else {
        theme.border
    };
    let field = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2).min(40),
        3.min(area.height - 1),
    );
    let mut input = modal.input.clone();
    input.set_block(Block::bordered().border_style(field_style));
    input.set_cursor_line_style(Style::default());
    (&input).render(field, buf);
    if area.height >= 5 {
        let cancel_style = if modal.focus == ConfirmFocus::Cancel {
            theme.selection
        } else {
            theme.muted
        };
        let row = Rect::new(area.x, area.y + 4, area.width, 1);
        Paragraph::new(Line::from(vec![
            Span::raw(" "),
            Span::styled("[ Cancel ]", cancel_style),
            Span::styled("  Tab moves focus", theme.muted),
        ]))
        .render(row, buf);
    }
}

fn buttons(buf: &mut Buffer, area: Rect, modal: &Confirm, theme: &Theme) {
    let (cancel, confirm) = match modal.focus {
        ConfirmFocus::Confirm => (theme.muted, theme.selection),
        _ => (theme.selection, theme.muted),
    };
    let line = Line::from(vec![
        Span::raw(" "),
        Span::styled("[ Cancel ]", cancel),
        Span::raw("  "),
        Span::styled(format!("[ {} ]", title_verb(modal.action())), confirm),
        Span::styled("   y confirms · Esc cancels", theme.muted),
    ]);
    Paragraph::new(line).render(Rect { height: 1, ..area }, buf);
}
