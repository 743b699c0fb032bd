//! The title bar: backend, project, environment, live, mode, data age or STALE.

use super::format;
use crate::app::state::State;
use crate::backend::Role;
use crate::domain::EnvMode;
use crate::poller::Trouble;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn render(buf: &mut Buffer, area: Rect, state: &State, theme: &Theme) {
    let width = usize::from(area.width);
    // Platform names as drawn, never longer than the line.
    let name = |text: &str| crate::text::fit(text, width).into_owned();
    let env = state.environment();
    let sep = || Span::styled(" · ", theme.muted);
    let mut context: Vec<Span> = vec![Span::styled(name(&state.backend_name), theme.accent)];
    if let Some(project) = state.project_name() {
        context.extend([sep(), Span::raw(name(project))]);
    }
    if let Some(env) = env {
        context.extend([sep(), Span::styled(name(&env.name), theme.accent)]);
        let live = state.mixed_text().unwrap_or_else(|| {
            env.live
                .as_ref()
                .map_or_else(|| "none".to_owned(), |id| state.label_of(id).to_owned())
        });
        context.extend([
            sep(),
            Span::styled(format!("LIVE {}", name(&live)), theme.live),
        ]);
        if env.mode == EnvMode::RolledBack {
            context.extend([sep(), Span::styled("⚠ ROLLED BACK", theme.warning)]);
        }
    }
    if state
        .identity
        .as_ref()
        .is_some_and(|i| i.role == Role::ReadOnly)
    {
        context.extend([sep(), Span::styled("read-only", theme.warning)]);
    }
    let status = match (state.stale(), state.unreachable()) {
        (_, Some(_)) if state.connection.trouble == Trouble::Refused => {
            Span::styled(" ⚠ NOT AUTHORIZED: see below ", theme.stale)
        }
        (_, Some(_)) if state.connection.trouble == Trouble::Unusable => {
            Span::styled(" ⚠ BAD ANSWERS: see below ", theme.stale)
        }
        (_, Some((cause, _))) => {
            Span::styled(format!(" ⚠ UNREACHABLE: {} ", name(&cause)), theme.stale)
        }
        (Some(cause), None) => {
            let age = state
                .view
                .env_freshness
                .as_ref()
                .and_then(|f| f.last_ok)
                .map(|ok| format!(" {}", format::span((state.real_now - ok).num_seconds())))
                .unwrap_or_default();
            Span::styled(format!(" ⚠ STALE{age}: {} ", name(&cause)), theme.stale)
        }
        (None, None) => Span::styled(format::data_age(state), theme.muted),
    };
    let used = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| crate::text::width(&s.content))
            .sum::<usize>()
    };
    // What gives way when the line is too long: the program's name, then the word
    // `polled`, then the project (the environment and its live deployment always stay).
    let mut spans = vec![Span::raw(" switchback"), sep()];
    let mut status = status;
    if used(&spans) + used(&context) + crate::text::width(&status.content) + 2 > width {
        spans = vec![Span::raw(" ")];
    }
    if used(&spans) + used(&context) + crate::text::width(&status.content) + 2 > width
        && let Some(short) = status.content.strip_prefix("polled ").map(str::to_owned)
    {
        status = Span::styled(short, status.style);
    }
    if used(&spans) + used(&context) + crate::text::width(&status.content) + 2 > width
        && state.project_name().is_some()
    {
        context.drain(1..3);
    }
    spans.extend(context);
    let gap = width.saturating_sub(used(&spans) + crate::text::width(&status.content) + 1);
    spans.push(Span::raw(" ".repeat(gap.max(1))));
    spans.push(status);
    super::text::patch(buf, area, theme.header);
    // What still does not fit ends in `…` rather than stopping mid-word.
    let line = super::cut::fit(Line::from(spans), width);
    super::text::line(buf, area, &line);
}
