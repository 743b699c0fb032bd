//! Error rates as the screen prints them, the same everywhere: `▲` and the danger style
//! whenever a rate is above the threshold, at every width; whose figure it is; and `⚠ 2m old`
//! on a figure that is stale.

use super::format;
use crate::app::figures::Whose;
use crate::app::state::State;
use crate::theme::Theme;
use ratatui::text::Span;

/// `8.2% ▲` in the danger style above the threshold, `0.1%` in the ok style, `no data`.
pub fn rate(value: Option<f64>, threshold: f64, theme: &Theme) -> Vec<Span<'static>> {
    match value {
        Some(r) if r >= threshold => vec![
            Span::styled(format::percent(r), theme.danger),
            Span::styled(" ▲", theme.danger),
        ],
        Some(r) => vec![Span::styled(format::percent(r), theme.ok)],
        None => vec![Span::styled("no data", theme.muted)],
    }
}

/// The live figure: `live v41 8.2% ▲`, `production 4.1% ▲` (a mixed environment: the
/// environment's), `live v41 no data yet` right after a switch; `⚠ 2m old` when stale.
/// Without `whose`, only the number and its marks.
pub fn live(state: &State, theme: &Theme, whose: bool) -> Vec<Span<'static>> {
    let figure = state.live_figure();
    let mut spans = Vec::new();
    if whose {
        let name = match &figure.whose {
            Whose::Live(_) if state.environment().is_none() => "live ".to_owned(),
            Whose::Live(label) => format!("live {label} "),
            Whose::Environment(name) => format!("{name} "),
        };
        spans.push(Span::styled(name, theme.text));
    }
    if figure.no_data_yet {
        spans.push(Span::styled("no data yet", theme.muted));
    } else {
        spans.extend(rate(figure.rate, state.settings.error_threshold, theme));
    }
    if let Some(secs) = figure.stale_secs {
        spans.push(Span::styled(
            format!(" ⚠ {} old", format::stale_span(secs)),
            theme.stale,
        ));
    }
    spans
}
