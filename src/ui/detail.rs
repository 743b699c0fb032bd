//! The detail pane: the selected deployment against live, or the running operation.

use super::format;
use crate::app::state::{ActiveOperation, Pane, State};
use crate::domain::{Action, Deployment, Diff, EnvMode, HOSTS_STAY, Scope, StepStatus, SwitchKind};
use crate::operation::facts::{self, Briefing, DomainFacts, Fact};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Platform diff details shown in the pane; the rest is summed up as `+N more`.
const DETAIL_LINES: usize = 3;

pub fn render(buf: &mut Buffer, area: Rect, rates_in_title: bool, state: &State, theme: &Theme) {
    let (title, lines) = match &state.active {
        Some(active) => operation(active, state, theme),
        None => facts(state, theme),
    };
    let mut title = title;
    if rates_in_title {
        title.push(Span::styled(
            format!(" · live {}", format::rate(state.live_rate())),
            theme.text,
        ));
        if let Some(target) = target_rate(state) {
            title.push(Span::styled(format!(" · target {target}"), theme.text));
        }
    }
    let title_style = if state.focus == Pane::Detail {
        theme.accent
    } else {
        theme.text
    };
    let mut spans = vec![Span::styled("─ ", theme.border)];
    spans.extend(title.into_iter().map(|s| s.patch_style(title_style)));
    let used: usize = spans.iter().map(Span::width).sum();
    spans.push(Span::styled(
        format!(
            " {}",
            "─".repeat(usize::from(area.width).saturating_sub(used + 1))
        ),
        theme.border,
    ));
    let mut all = vec![Line::from(spans)];
    all.extend(
        lines
            .into_iter()
            .take(usize::from(area.height.saturating_sub(1))),
    );
    super::text::lines(buf, area, &all);
}

/// The target's rate text, or `None` when there is nothing selected apart from live.
pub fn target_rate(state: &State) -> Option<String> {
    let detail = state.view.detail.as_ref()?;
    let live = state.environment()?.live.as_ref();
    if live == Some(&detail.target) {
        return None;
    }
    let ever_live = state.view.live_history.was_live(&detail.target);
    Some(match detail.target_rate {
        Some(rate) => format::percent(rate),
        None if ever_live => "no data".to_owned(),
        None => "never live".to_owned(),
    })
}

fn fact<'a>(name: &'a str, value: String, style: Style, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {name:<8}"), theme.muted),
        Span::styled(value, style),
    ])
}

fn facts<'a>(state: &'a State, theme: &Theme) -> (Vec<Span<'a>>, Vec<Line<'a>>) {
    let Some(selected) = state.view.list.selected() else {
        return (vec![Span::raw("No deployment selected")], vec![]);
    };
    let live_id = state.environment().and_then(|e| e.live.clone());
    let live = live_id.as_ref().and_then(|id| state.view.list.by_id(id));
    if live_id.as_ref() == Some(&selected.id) {
        return (
            vec![Span::raw(format!("Selected {} (live)", selected.label))],
            live_facts(selected, state, theme),
        );
    }
    let live_label = live_id
        .as_ref()
        .map_or("nothing", |id| state.view.list.label_of(id));
    let title = vec![Span::raw(format!(
        "Selected {} vs live {live_label}",
        selected.label
    ))];
    let mut lines = Vec::new();
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
            "artifact removed by retention: no rollback; redeploy rebuilds from the commit"
                .to_owned(),
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
        strategy: None,
        scope: &Scope::default(),
        rebuild: false,
    });
    for item in briefing.iter().filter(|f| matches!(f, Fact::Start { .. })) {
        if let Fact::Start { switch, runtime } = item {
            lines.push(match switch {
                SwitchKind::Instant => fact(
                    "switch",
                    format!("instant ({label} is running)"),
                    theme.ok,
                    theme,
                ),
                SwitchKind::Cold { estimate_secs } => fact(
                    "switch",
                    format!(
                        "cold start ~{} ({label} is {})",
                        format::span(*estimate_secs as i64),
                        runtime.as_str()
                    ),
                    theme.warning,
                    theme,
                ),
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
    let rate = format::rate(state.live_rate());
    lines.push(fact("errors", format!("{rate} 5xx now"), theme.text, theme));
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

fn operation<'a>(
    active: &'a ActiveOperation,
    state: &State,
    theme: &Theme,
) -> (Vec<Span<'a>>, Vec<Line<'a>>) {
    let Some(op) = &active.operation else {
        return (
            vec![Span::raw(format!(
                "{} to {} · requested",
                active.action.as_str(),
                active.target_label
            ))],
            vec![fact(
                "status",
                "waiting for the platform…".to_owned(),
                theme.muted,
                theme,
            )],
        );
    };
    let elapsed = format::span((state.now - op.created_at).num_seconds());
    let title = vec![Span::raw(format!(
        "{} to {} · {} · {elapsed}",
        op.kind.as_str(),
        active.target_label,
        op.status.as_str()
    ))];
    let steps: Vec<Span> = op
        .steps
        .iter()
        .flat_map(|s| {
            let (symbol, style) = match s.status {
                StepStatus::Done => ("✓", theme.ok),
                StepStatus::Running => ("▶", theme.accent),
                StepStatus::Failed => ("✗", theme.danger),
                StepStatus::Skipped => ("-", theme.muted),
                StepStatus::Pending => ("·", theme.muted),
            };
            [
                Span::styled(format!("{symbol} {}", s.name), style),
                Span::raw("  "),
            ]
        })
        .collect();
    let mut lines = vec![Line::from(
        std::iter::once(Span::styled(" steps   ", theme.muted))
            .chain(steps)
            .collect::<Vec<_>>(),
    )];
    let tail = op.log.len().saturating_sub(8);
    for entry in op.log[tail..].iter().rev() {
        lines.push(fact("log", entry.message.clone(), theme.text, theme));
    }
    (title, lines)
}
