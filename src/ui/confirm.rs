//! The confirmation modal: every fact and warning before anything happens, the choices the
//! platform allows (strategy, components, regions), and what changed if live moved under it.

use super::{cut, format, layout, modal_block};
use crate::app::state::{Confirm, ConfirmFocus, State};
use crate::domain::{Action, HOSTS_STAY, SwitchKind};
use crate::operation::facts::{
    config_changes_text, guard_text, partial_text, scope_text, strategy_text,
};
use crate::operation::{DomainFacts, Fact};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// Platform diff details in the modal; the rest is summed up as `+N more`.
const DETAIL_LINES: usize = 4;
/// Where a fact's value starts: wrapped lines continue there.
const VALUE_COLUMN: usize = 10;

fn title_verb(action: Action) -> &'static str {
    match action {
        Action::Rollback => "Roll back",
        Action::Promote => "Promote",
        Action::Redeploy => "Redeploy",
    }
}

/// The plan's facts and warnings, as lines. The strategy and scope are rows of choices
/// instead when the platform offers a choice.
pub fn facts<'a>(modal: &'a Confirm, theme: &Theme) -> Vec<Line<'a>> {
    let fact = |name: &str, value: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {name:<9}"), theme.muted),
            Span::styled(value, style),
        ])
    };
    let warn = |text: String, style: Style| Line::from(Span::styled(format!(" ! {text}"), style));
    let target = modal.target_label();
    let rows = modal.choice_rows();
    let timed = modal
        .plan
        .facts
        .iter()
        .any(|f| matches!(f, Fact::Duration(_)));
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
            Fact::ConfirmsRollback { environment, live } => {
                lines.push(fact(
                    "live",
                    format!("{live} stays live; nothing moves"),
                    theme.accent,
                ));
                lines.push(fact(
                    "confirms",
                    format!("the rollback: {environment} leaves ROLLED BACK mode and the next push gets traffic"),
                    theme.text,
                ));
            }
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
                let part = if modal.scope().is_everything() {
                    String::new()
                } else {
                    format!(" for {}", modal.scope().describe())
                };
                for (i, host) in hosts.iter().enumerate() {
                    let name = if i == 0 { "domains" } else { "" };
                    lines.push(fact(name, format!("{host} → {target}{part}"), theme.text));
                }
            }
            Fact::Start { switch, .. } => lines.push(match switch {
                SwitchKind::Instant => {
                    fact("switch", format!("instant ({target} is running)"), theme.ok)
                }
                // The time line says how long when there is one.
                SwitchKind::Cold { .. } if timed => fact(
                    "switch",
                    format!(
                        "cold start: {target} starts, passes a health check, then gets traffic"
                    ),
                    theme.warning,
                ),
                SwitchKind::Cold { estimate_secs } => fact(
                    "switch",
                    format!(
                        "cold start ~{}: {target} starts, passes a health check, then gets traffic",
                        format::clock_span(*estimate_secs)
                    ),
                    theme.warning,
                ),
            }),
            Fact::Duration(estimate) => lines.push(fact("time", estimate.describe(), theme.text)),
            Fact::Changes(details) => {
                for (i, text) in format::diff_details(details, DETAIL_LINES)
                    .into_iter()
                    .enumerate()
                {
                    let name = if i == 0 { "changes" } else { "" };
                    lines.push(fact(name, text, theme.text));
                }
            }
            Fact::Strategy { strategy, machines } => {
                if !rows.contains(&ConfirmFocus::Strategy) {
                    lines.push(fact(
                        "strategy",
                        strategy_text(*strategy, *machines),
                        theme.text,
                    ));
                }
            }
            Fact::Scope(scope) => {
                if !rows.contains(&ConfirmFocus::Components)
                    && !rows.contains(&ConfirmFocus::Regions)
                {
                    lines.push(fact("scope", scope_text(scope), theme.text));
                }
            }
            Fact::Partial { moves, stays } => lines.push(warn(
                partial_text(moves, target, stays.as_deref()),
                theme.warning,
            )),
            Fact::EndsMixed { to } => lines.push(fact(
                "mode",
                format!("ends the mixed state: everything moves to {to}"),
                theme.text,
            )),
            Fact::Pruned { rebuild } => lines.push(warn(
                if *rebuild {
                    "pruned artifact (removed by retention): rebuilding from source".to_owned()
                } else {
                    "pruned artifact (removed by retention)".to_owned()
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
                "you have a read-only role: the platform will refuse".to_owned(),
                theme.danger,
            )),
            Fact::Guard { live, atomic } => {
                lines.push(fact("guard", guard_text(live, *atomic), theme.muted))
            }
        }
    }
    lines
}

/// The rows of choices: `strategy ◀ rolling, 1 at a time ▶`, `components [x] web [ ] worker`.
fn choice_lines<'a>(modal: &Confirm, theme: &Theme) -> Vec<Line<'a>> {
    let choices = &modal.plan.choices;
    let machines = modal.plan.estimate.as_ref().map(|e| e.machines);
    let mut lines = Vec::new();
    for row in modal.choice_rows() {
        let focused = modal.focus == row;
        let name_style = if focused { theme.accent } else { theme.muted };
        match row {
            ConfirmFocus::Strategy => {
                let strategy = modal.strategy().map_or("platform default".to_owned(), |s| {
                    strategy_text(s, machines)
                });
                let style = if focused { theme.selection } else { theme.text };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {:<11}", "strategy"), name_style),
                    Span::styled(format!("◀ {strategy} ▶"), style),
                ]));
            }
            ConfirmFocus::Components | ConfirmFocus::Regions => {
                let (name, all, chosen) = if row == ConfirmFocus::Components {
                    ("components", &choices.components, &modal.scope().components)
                } else {
                    ("regions", &choices.regions, &modal.scope().regions)
                };
                let mut spans = vec![Span::styled(format!(" {name:<11}"), name_style)];
                for (i, item) in all.iter().enumerate() {
                    let on = chosen.is_empty() || chosen.contains(item);
                    let style = if focused && i == modal.cursor {
                        theme.selection
                    } else if on {
                        theme.text
                    } else {
                        theme.muted
                    };
                    spans.push(Span::styled(
                        format!("[{}] {item}", if on { "x" } else { " " }),
                        style,
                    ));
                    spans.push(Span::raw(" "));
                }
                lines.push(Line::from(spans));
            }
            _ => {}
        }
    }
    lines
}

/// `! live changed to v41 by dana 3s ago: …`, or that the facts are being made again.
fn changed_line<'a>(modal: &Confirm, state: &State, theme: &Theme) -> Option<Line<'a>> {
    let changed = modal.changed.as_ref()?;
    let by = changed
        .by
        .as_deref()
        .map(|b| format!(" by {b}"))
        .unwrap_or_default();
    let ago = changed
        .at
        .map(|at| {
            format!(
                " {} ago",
                format::clock_span((state.now - at).num_seconds().max(0) as u64)
            )
        })
        .unwrap_or_default();
    let what = if modal.replanning {
        "checking the plan again…".to_owned()
    } else if modal.seen {
        "the facts below are new".to_owned()
    } else {
        "the facts below are new; read them, then confirm again".to_owned()
    };
    Some(Line::from(Span::styled(
        format!(" ! live changed to {}{by}{ago}: {what}", changed.to),
        theme.danger,
    )))
}

pub fn render(buf: &mut Buffer, area: Rect, modal: &Confirm, state: &State, theme: &Theme) {
    let width = area.width.saturating_sub(2).min(78);
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(line) = changed_line(modal, state, theme) {
        lines.extend(cut::wrap(line, inner_w, 3));
    }
    for line in facts(modal, theme) {
        lines.extend(cut::wrap(line, inner_w, VALUE_COLUMN));
    }
    let choices: Vec<Line> = choice_lines(modal, theme)
        .into_iter()
        .map(|l| cut::fit(l, inner_w))
        .collect();
    let input_rows: u16 = if modal.typed_name().is_some() { 5 } else { 1 };
    let choice_rows = choices.len() as u16;
    let rows = lines.len() as u16;
    let height = (rows + choice_rows + input_rows + 3).min(area.height);
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
    let facts_h = inner
        .height
        .saturating_sub(input_rows + 1 + choice_rows.min(inner.height / 3));
    // Facts that do not fit scroll (↑/↓); the last row says so, so nothing is missed.
    let hidden = rows.saturating_sub(facts_h);
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
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(usize::from(scroll))
        .take(usize::from(facts_rows))
        .collect();
    super::text::lines(
        buf,
        Rect {
            height: facts_rows,
            ..inner
        },
        &shown,
    );
    let mut y = inner.y + facts_h;
    let bottom_end = inner.y + inner.height;
    for line in &choices {
        if y + input_rows > bottom_end {
            break;
        }
        super::text::line(buf, Rect::new(inner.x, y, inner.width, 1), line);
        y += 1;
    }
    let bottom = Rect::new(inner.x, y, inner.width, bottom_end.saturating_sub(y));
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
    super::text::line(buf, Rect { height: 1, ..area }, &prompt);
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
        let tab = if modal.choice_rows().is_empty() {
            "  Tab moves focus"
        } else {
            "  Tab: the choices above"
        };
        let row = Rect::new(area.x, area.y + 4, area.width, 1);
        Paragraph::new(Line::from(vec![
            Span::raw(" "),
            Span::styled("[ Cancel ]", cancel_style),
            Span::styled(tab, theme.muted),
        ]))
        .render(row, buf);
    }
}

fn buttons(buf: &mut Buffer, area: Rect, modal: &Confirm, theme: &Theme) {
    let (cancel, confirm) = match modal.focus {
        ConfirmFocus::Confirm => (theme.muted, theme.selection),
        _ => (theme.selection, theme.muted),
    };
    let tab = if modal.choice_rows().is_empty() {
        ""
    } else {
        " · Tab: choices"
    };
    let line = Line::from(vec![
        Span::raw(" "),
        Span::styled("[ Cancel ]", cancel),
        Span::raw("  "),
        Span::styled(format!("[ {} ]", title_verb(modal.action())), confirm),
        Span::styled(format!("   y confirms · Esc cancels{tab}"), theme.muted),
    ]);
    super::text::line(buf, Rect { height: 1, ..area }, &line);
}
