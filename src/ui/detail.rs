//! The detail pane: the selected deployment against live, or an operation under way (this
//! console's or another engineer's) with its progress. With the focus on it, it scrolls;
//! `↓ more` says when lines are cut off below.

use super::{cut, figure, format};
use crate::app::progress::{Progress, progress};
use crate::app::state::{Pane, State};
use crate::domain::{
    Action, Deployment, Diff, EnvMode, HOSTS_STAY, Operation, Scope, StepStatus, SwitchKind,
};
use crate::operation::facts::{self, Briefing, DomainFacts, Fact};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Platform diff details shown in the pane; the rest is summed up as `+N more`.
const DETAIL_LINES: usize = 3;

/// Every line of the pane, title first; the pane shows what fits from its scroll offset.
fn content<'a>(rates_in_title: bool, state: &'a State, theme: &Theme) -> (Line<'a>, Vec<Line<'a>>) {
    let shown = state
        .active
        .as_ref()
        .map(|a| (a.operation.as_ref(), a.estimate_secs, None))
        .or_else(|| {
            state
                .others_in_flight()
                .map(|op| (Some(op), None, Some(op.actor.as_str())))
        });
    let (title, lines) = match shown {
        Some((op, estimate, by)) => operation(op, estimate, by, state, theme),
        None => facts(state, theme),
    };
    let title_style = if state.focus == Pane::Detail {
        theme.accent
    } else {
        theme.text
    };
    // The title in the pane's style; the figures after it keep theirs (danger, stale).
    let mut title: Vec<Span> = title
        .into_iter()
        .map(|s| s.patch_style(title_style))
        .collect();
    if rates_in_title {
        title.push(Span::styled(" · ", theme.text));
        title.extend(figure::live(state, theme, true));
        if let Some(target) = target_rate(state) {
            title.push(Span::styled(" · target ", theme.text));
            match target {
                Ok(rate) => title.extend(figure::rate(
                    Some(rate),
                    state.settings.error_threshold,
                    theme,
                )),
                Err(words) => title.push(Span::styled(words, theme.muted)),
            }
        }
    }
    let mut spans = vec![Span::styled("─ ", theme.border)];
    spans.extend(title);
    (Line::from(spans), lines)
}

pub fn render(buf: &mut Buffer, area: Rect, rates_in_title: bool, state: &State, theme: &Theme) {
    let (title, lines) = content(rates_in_title, state, theme);
    let width = usize::from(area.width);
    let used = cut::width(&title);
    let mut title = cut::fit(title, width);
    if used + 2 <= width {
        title.spans.push(Span::styled(
            format!(" {}", "─".repeat(width.saturating_sub(used + 1))),
            theme.border,
        ));
    }
    let rows = usize::from(area.height.saturating_sub(1));
    let hidden = lines.len().saturating_sub(rows);
    let scroll = usize::from(state.view.detail_scroll).min(hidden);
    // Lines cut off below: the last row says so at its right end.
    let more = (scroll < hidden && rows > 0).then_some(if state.focus == Pane::Detail {
        " ↓ more"
    } else {
        " ↓ more (Tab)"
    });
    let more_w = more.map_or(0, |m| m.chars().count());
    let mut all = vec![title];
    let shown = lines.len().saturating_sub(scroll).min(rows);
    all.extend(
        lines
            .into_iter()
            .skip(scroll)
            .take(rows)
            .enumerate()
            .map(|(i, l)| {
                let room = if i + 1 == shown {
                    width.saturating_sub(more_w)
                } else {
                    width
                };
                cut::fit(l, room)
            }),
    );
    super::text::lines(buf, area, &all);
    if let Some(more) = more
        && area.width as usize > more_w
    {
        let w = more_w as u16;
        let rect = Rect::new(area.right() - w, area.y + area.height - 1, w, 1);
        super::text::line(buf, rect, &Line::from(Span::styled(more, theme.warning)));
    }
}

/// The rows of the pane's content its area cannot show: how far it may scroll.
pub fn hidden(area: Rect, rates_in_title: bool, state: &State, theme: &Theme) -> u16 {
    let (_, lines) = content(rates_in_title, state, theme);
    let rows = usize::from(area.height.saturating_sub(1));
    u16::try_from(lines.len().saturating_sub(rows)).unwrap_or(u16::MAX)
}

/// The target's rate (`Ok`), its words (`Err`: `never live`, `no data`), or `None` when
/// nothing is selected apart from live.
pub fn target_rate(state: &State) -> Option<Result<f64, String>> {
    let detail = state.view.detail.as_ref()?;
    let live = state.environment()?.live.as_ref();
    if live == Some(&detail.target) {
        return None;
    }
    let ever_live = state.view.live_history.was_live(&detail.target);
    Some(match detail.target_rate {
        Some(rate) => Ok(rate),
        None if ever_live => Err("no data".to_owned()),
        None => Err("never live".to_owned()),
    })
}

fn fact<'a>(name: &str, value: String, style: Style, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {name:<8}"), theme.muted),
        Span::styled(value, style),
    ])
}

/// The lines every view of the pane starts with: how to leave rolled-back mode, and who
/// serves a mixed environment.
fn state_lines<'a>(state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(since) = state.rolled_back_since() {
        let live = state
            .environment()
            .and_then(|e| e.live.as_ref())
            .map_or("live".to_owned(), |id| state.label_of(id).to_owned());
        let by = since
            .actor
            .as_deref()
            .map(|a| format!(" by {a}"))
            .unwrap_or_default();
        let promote = state.keymap.hint(crate::config::keys::KeyAction::Promote);
        let at = crate::app::message::clock(since.at, state.settings.local_offset);
        let way_out = if state.mixed_text().is_some() {
            format!("{promote} on {live} puts everything back on it and ends it")
        } else {
            format!("{promote} on {live} confirms it; promoting a newer one ends it")
        };
        lines.push(fact(
            "mode",
            format!("ROLLED BACK since {at}{by}: {way_out}"),
            theme.warning,
            theme,
        ));
    } else if state
        .environment()
        .is_some_and(|e| e.mode == EnvMode::RolledBack)
    {
        lines.push(fact(
            "mode",
            "ROLLED BACK: promote a deployment to end it".to_owned(),
            theme.warning,
            theme,
        ));
    }
    if let Some(mixed) = state.mixed_text() {
        lines.push(fact(
            "serving",
            format!("{mixed} (mixed)"),
            theme.warning,
            theme,
        ));
    }
    lines
}

fn facts<'a>(state: &'a State, theme: &Theme) -> (Vec<Span<'a>>, Vec<Line<'a>>) {
    let Some(selected) = state.view.list.selected() else {
        return (
            vec![Span::raw("No deployment selected")],
            state_lines(state, theme),
        );
    };
    let live_id = state.environment().and_then(|e| e.live.clone());
    let live = live_id.as_ref().and_then(|id| state.view.list.by_id(id));
    let mut lines = state_lines(state, theme);
    if live_id.as_ref() == Some(&selected.id) {
        lines.extend(live_facts(selected, state, theme));
        return (
            vec![Span::raw(format!("Selected {} (live)", selected.label))],
            lines,
        );
    }
    let live_label = live_id.as_ref().map_or("nothing", |id| state.label_of(id));
    let title = vec![Span::raw(format!(
        "Selected {} vs live {live_label}",
        selected.label
    ))];
    if state.is_held(selected) {
        lines.push(fact(
            "! held",
            format!(
                "{} came after the rollback: no traffic until promote ({})",
                selected.label,
                state.keymap.hint(crate::config::keys::KeyAction::Promote)
            ),
            theme.warning,
            theme,
        ));
    }
    if let Some(good) = &state.view.last_good
        && good.deployment == selected.id
    {
        let text = format!(
            "last good: live {} ago for {}, {} 5xx < {}",
            format::age(state.now, good.live_until),
            format::span((good.live_until - good.live_from).num_seconds()),
            format::percent(good.rate),
            format::percent(good.threshold)
        );
        lines.push(fact("good", text, theme.ok, theme));
    }
    if selected.artifact.pruned {
        lines.push(fact(
            "✗ pruned",
            "pruned artifact: no rollback; a redeploy rebuilds it from the commit".to_owned(),
            theme.danger,
            theme,
        ));
    }
    let detail = state
        .view
        .detail
        .as_ref()
        .filter(|d| d.target == selected.id);
    match detail.and_then(|d| d.diff.as_ref()) {
        Some(diff) => diff_facts(diff, selected, live, state, theme, &mut lines),
        None => {
            let text = detail
                .and_then(|d| d.error.clone())
                .unwrap_or_else(|| "loading…".to_owned());
            lines.push(fact("diff", text, theme.muted, theme));
        }
    }
    (title, lines)
}

fn diff_facts<'a>(
    diff: &Diff,
    selected: &Deployment,
    live: Option<&Deployment>,
    state: &State,
    theme: &Theme,
    lines: &mut Vec<Line<'a>>,
) {
    let label = &selected.label;
    // The pane is a rollback's briefing, cut to what fits beside the list.
    let env = state.environment();
    let briefing = facts::facts(&Briefing {
        action: Action::Rollback,
        project: state.project_name().unwrap_or(""),
        environment: env.map_or("", |e| e.id.as_str()),
        mode: env.map_or(EnvMode::Normal, |e| e.mode),
        target: selected,
        live_label: live.map(|l| l.label.as_str()),
        diff: Some(diff),
        domains: &diff.domains,
        capabilities: &state.capabilities,
        role: None,
        strategy: facts::default_strategy(&state.capabilities),
        scope: &Scope::default(),
        rebuild: false,
        mixed: env.is_some_and(|e| e.is_mixed()),
    });
    let estimate = briefing.iter().find_map(|f| match f {
        Fact::Duration(e) => Some(e.clone()),
        _ => None,
    });
    for item in &briefing {
        if let Fact::Start { switch, runtime } = item {
            lines.push(match switch {
                SwitchKind::Instant => fact(
                    "switch",
                    format!("instant ({label} is running)"),
                    theme.ok,
                    theme,
                ),
                SwitchKind::Cold { estimate_secs } => {
                    let how = estimate
                        .as_ref()
                        .map(|e| {
                            let pace = if e.batch >= e.machines {
                                "all at once".to_owned()
                            } else {
                                format!("{} at a time", e.batch)
                            };
                            format!(": {} machines, {pace}", e.machines)
                        })
                        .unwrap_or_default();
                    fact(
                        "switch",
                        format!(
                            "cold start ~{} ({label} is {}){how}",
                            format::clock_span(*estimate_secs),
                            runtime.as_str()
                        ),
                        theme.warning,
                        theme,
                    )
                }
            });
        }
    }
    for item in &briefing {
        let Fact::Domains(domains) = item else {
            continue;
        };
        let text = match domains {
            DomainFacts::Stay(_) => format!("{HOSTS_STAY} to {label}"),
            DomainFacts::NoneMove => "none move".to_owned(),
            // The count first, so a cut line still says how many hostnames move.
            DomainFacts::Move(hosts) if hosts.len() == 1 => format!("{} → {label}", hosts[0]),
            DomainFacts::Move(hosts) => {
                format!("{} move to {label}: {}", hosts.len(), hosts.join(", "))
            }
        };
        lines.push(fact("domains", text, theme.text, theme));
    }
    for item in &briefing {
        match item {
            Fact::MigrationNotReverted(migration) => lines.push(fact(
                "! warn",
                format!("migration {migration} ran after {label} and will not be reverted"),
                theme.warning,
                theme,
            )),
            Fact::ConfigKept(changes) => lines.push(fact(
                "config",
                format!(
                    "{} since {label} (today's values kept)",
                    facts::config_changes_text(changes)
                ),
                theme.warning,
                theme,
            )),
            Fact::EndsMixed { to } => lines.push(fact(
                "mode",
                format!("a rollback of everything to {to} ends the mixed state"),
                theme.text,
                theme,
            )),
            _ => {}
        }
    }
    for item in &briefing {
        let Fact::Changes(details) = item else {
            continue;
        };
        for (i, text) in format::diff_details(details, DETAIL_LINES)
            .into_iter()
            .enumerate()
        {
            let name = if i == 0 { "changes" } else { "" };
            lines.push(fact(name, text, theme.text, theme));
        }
    }
    let subject = selected.commit.as_ref().map_or("", |c| c.subject.as_str());
    let distance = match diff.commits_back {
        0 => String::new(),
        1 => " (1 commit back)".to_owned(),
        -1 => " (1 commit ahead)".to_owned(),
        n if n > 0 => format!(" ({n} commits back)"),
        n => format!(" ({} commits ahead)", -n),
    };
    lines.push(fact(
        "commit",
        format!("{} {subject}{distance}", selected.short_commit()),
        theme.text,
        theme,
    ));
    let from = diff
        .artifact_from
        .as_ref()
        .or(live.map(|l| &l.artifact))
        .map(|a| {
            a.digest
                .as_deref()
                .map_or(a.image.clone(), format::short_digest)
        });
    let to = diff
        .artifact_to
        .digest
        .as_deref()
        .map_or(diff.artifact_to.image.clone(), format::short_digest);
    let image = match from {
        Some(from) => format!("{} @{from} → @{to}", diff.artifact_to.image),
        None => format!("{} @{to}", diff.artifact_to.image),
    };
    lines.push(fact("image", image, theme.muted, theme));
}

fn live_facts<'a>(d: &'a Deployment, state: &'a State, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut errors = vec![Span::styled(format!(" {:<8}", "errors"), theme.muted)];
    errors.extend(figure::live(state, theme, false));
    let figure = state.live_figure();
    let whose = match figure.whose {
        crate::app::figures::Whose::Environment(name) => format!(" 5xx in all of {name} now"),
        crate::app::figures::Whose::Live(_) if figure.no_data_yet => {
            let since = state
                .last_switch()
                .map(|c| {
                    format!(
                        " (live for {})",
                        format::span((state.now - c.at).num_seconds())
                    )
                })
                .unwrap_or_default();
            format!(": its first bucket is not complete{since}")
        }
        crate::app::figures::Whose::Live(_) => " 5xx now".to_owned(),
    };
    errors.push(Span::styled(whose, theme.text));
    lines.push(Line::from(errors));
    if let Some(env) = state.environment() {
        let hosts: Vec<&str> = env.domains.iter().map(|d| d.hostname.as_str()).collect();
        lines.push(fact("domains", hosts.join(", "), theme.text, theme));
    }
    if let Some(c) = &d.commit {
        lines.push(fact(
            "commit",
            format!("{} {}", d.short_commit(), c.subject),
            theme.text,
            theme,
        ));
    }
    let by = d.author.as_deref().unwrap_or("unknown");
    lines.push(fact(
        "built",
        format!("{} ago by {by}", format::age(state.now, d.created_at)),
        theme.muted,
        theme,
    ));
    lines.push(fact("image", d.artifact.image.clone(), theme.muted, theme));
    lines
}

/// `step 4/9 · 1m05s · ETA ~1m40s`.
pub fn progress_text(p: &Progress) -> String {
    let eta = p
        .eta_secs
        .map(|s| {
            if s == 0 {
                " · ending now".to_owned()
            } else {
                format!(" · ETA ~{}", format::clock_span(s))
            }
        })
        .unwrap_or_default();
    format!(
        "step {}/{} · {}{eta}",
        p.step,
        p.of,
        format::clock_span(p.elapsed_secs)
    )
}

/// An operation under way: `by` names another engineer's.
fn operation<'a>(
    op: Option<&'a Operation>,
    estimate: Option<u64>,
    by: Option<&'a str>,
    state: &'a State,
    theme: &Theme,
) -> (Vec<Span<'a>>, Vec<Line<'a>>) {
    let Some(op) = op else {
        let active = state.active.as_ref();
        let what = active.map_or(String::new(), |a| {
            format!("{} to {}", a.action.as_str(), a.target_label)
        });
        return (
            vec![Span::raw(format!("{what} · requested"))],
            vec![fact(
                "status",
                "waiting for the platform…".to_owned(),
                theme.muted,
                theme,
            )],
        );
    };
    let p = progress(op, state.now, estimate);
    let whose = by.map(|b| format!("{b}'s ")).unwrap_or_default();
    let to = match op.kind {
        crate::domain::OperationKind::Redeploy => " ",
        _ => " to ",
    };
    let part = if op.scope.is_everything() {
        String::new()
    } else {
        format!(" ({} only)", op.scope.describe())
    };
    let title = vec![Span::raw(format!(
        "{whose}{}{to}{}{part} · {} · {}",
        op.kind.as_str(),
        state.label_of(&op.target),
        op.status.as_str(),
        progress_text(&p)
    ))];
    let mut lines = state_lines(state, theme);
    if let Some(by) = by {
        lines.push(fact(
            "by",
            format!(
                "{by}, started at {}: another operation is refused until it ends",
                crate::app::message::clock(op.created_at, state.settings.local_offset)
            ),
            theme.warning,
            theme,
        ));
    }
    if let Some(current) = &p.current {
        lines.push(fact("now", format!("▶ {current}"), theme.accent, theme));
    }
    // Every step, as a symbol each, wrapped under one another: none is dropped.
    let symbols: Vec<Span> = op
        .steps
        .iter()
        .map(|s| {
            let (symbol, style) = match s.status {
                StepStatus::Done => ("✓", theme.ok),
                StepStatus::Running => ("▶", theme.accent),
                StepStatus::Failed => ("✗", theme.danger),
                StepStatus::Skipped => ("-", theme.muted),
                StepStatus::Pending => ("·", theme.muted),
            };
            Span::styled(symbol, style)
        })
        .collect();
    let per_line = usize::from(state.width.saturating_sub(12)).max(8);
    for (i, chunk) in symbols.chunks(per_line).enumerate() {
        let name = if i == 0 { " steps   " } else { "         " };
        let mut spans = vec![Span::styled(name, theme.muted)];
        spans.extend(chunk.iter().cloned());
        lines.push(Line::from(spans));
    }
    for entry in op.log.iter().rev() {
        lines.push(fact("log", entry.message.clone(), theme.text, theme));
    }
    (title, lines)
}
