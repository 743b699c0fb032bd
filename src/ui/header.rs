//! The title bar: backend, project, environment, live, mode, data age or STALE.

use super::format;
use crate::app::state::State;
use crate::backend::Role;
use crate::domain::EnvMode;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let env = state.environment();
    let sep = || Span::styled(" · ", theme.muted);
    let mut context = vec![Span::styled(state.backend_name.clone(), theme.accent)];
    if let Some(project) = state.project_name() {
        context.extend([sep(), Span::raw(project.to_owned())]);
    }
    if let Some(env) = env {
        context.extend([sep(), Span::styled(env.name.clone(), theme.accent)]);
        let live = env
            .live
            .as_ref()
            .map_or_else(|| "none".to_owned(), |id| state.list.label_of(id).to_owned());
        context.extend([sep(), Span::styled(format!("LIVE {live}"), theme.live)]);
        if env.mode == EnvMode::RolledBack {
            context.extend([sep(), Span::styled("⚠ ROLLED BACK", theme.warning)]);
        }
    }
    if state.identity.as_ref().is_some_and(|i| i.role == Role::ReadOnly) {
        context.extend([sep(), Span::styled("read-only", theme.warning)]);
    }
    let status = match state.stale() {
        Some(cause) => Span::styled(format!(" ⚠ STALE: {cause} "), theme.stale),
        None => Span::styled(format::data_age(state), theme.muted),
    };
    let width = usize::from(area.width);
    let used = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let mut spans = vec![Span::raw(" switchback"), sep()];
    if used(&spans) + used(&context) + status.width() + 3 > width {
        spans = vec![Span::raw(" ")];
    }
    spans.extend(context);
    let gap = width.saturating_sub(used(&spans) + status.width() + 1);
    spans.push(Span::raw(" ".repeat(gap.max(1))));
    spans.push(status);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.header), area);
}
