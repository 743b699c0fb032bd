//! The error-rate panel: the live rate over the window, the threshold, and marks where
//! deploys, rollbacks and promotions happened. Every number is also written as text.

use super::plot::{Plot, Series};
use super::{format, text};
use crate::app::state::{Pane, State};
use crate::domain::LiveCause;
use crate::poller::METRICS_WINDOW;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub fn render(buf: &mut Buffer, area: Rect, state: &State, theme: &Theme) {
    let window = METRICS_WINDOW.as_secs() as f64;
    let source = state
        .view
        .metrics
        .as_ref()
        .map_or("", |m| m.source.as_str());
    let title_style = if state.focus == Pane::ErrorRate {
        theme.accent
    } else {
        theme.text
    };
    let title = Line::from(vec![
        Span::styled(format!(" Error rate {}m", window as u64 / 60), title_style),
        Span::styled(
            if source.is_empty() {
                String::new()
            } else {
                format!(" · {source}")
            },
            theme.muted,
        ),
    ]);
    let inner = left_border(buf, area, &title, theme.border);
    if inner.height < 3 {
        return;
    }
    let threshold = state.settings.error_threshold;
    let live_rate = state.live_rate();
    let live_style = if live_rate.is_some_and(|r| r >= threshold) {
        theme.danger
    } else {
        theme.ok
    };
    let mut numbers = vec![
        Span::raw(" live "),
        Span::styled(format::rate(live_rate), live_style),
    ];
    if live_rate.is_some_and(|r| r >= threshold) {
        numbers.push(Span::styled(" ▲", theme.danger));
    }
    if let Some(target) = super::detail::target_rate(state) {
        numbers.extend([
            Span::raw("  target "),
            Span::styled(target, theme.chart_target),
        ]);
    }
    let lines = vec![
        Line::from(numbers),
        Line::from(Span::styled(
            format!(" ── {} threshold", format::percent(threshold)),
            theme.threshold,
        )),
    ];
    text::lines(buf, Rect { height: 2, ..inner }, &lines);
    let marks = marks(state, window);
    let marks_h = u16::from(!marks.is_empty()).min(inner.height.saturating_sub(3));
    let plot = Rect::new(
        inner.x,
        inner.y + 2,
        inner.width,
        inner.height - 2 - marks_h,
    );
    // Positions are measured from a fixed edge (see `aligned_end`), not from `now`, so the
    // chart only moves when the data does.
    let end = aligned_end(state);
    let points: Vec<(f64, f64)> = state
        .view
        .metrics
        .as_ref()
        .map(|m| {
            m.points
                .iter()
                .filter_map(|p| {
                    let x = (p.at - end).num_seconds() as f64;
                    Some((x, p.error_rate()? * 100.0))
                })
                .filter(|(x, _)| *x >= -window)
                .collect()
        })
        .unwrap_or_default();
    if points.is_empty() {
        let text = Paragraph::new(Span::styled("no data", theme.muted)).centered();
        text.render(
            Rect::new(plot.x, plot.y + plot.height / 2, plot.width, 1),
            buf,
        );
    } else if plot.height >= 2 {
        let top = points
            .iter()
            .map(|p| p.1)
            .fold(threshold * 200.0, f64::max)
            .max(1.0);
        let threshold_line = [(-window, threshold * 100.0), (0.0, threshold * 100.0)];
        let since = end - chrono::Duration::seconds(window as i64);
        let mark_lines: Vec<[(f64, f64); 2]> = state
            .view
            .live_history
            .since(since)
            .map(|c| (c.at - end).num_seconds() as f64)
            .filter(|x| *x >= -window)
            .map(|x| [(x, 0.0), (x, top)])
            .collect();
        let mut series = vec![Series {
            points: &threshold_line,
            style: theme.threshold,
        }];
        series.extend(mark_lines.iter().map(|line| Series {
            points: line,
            style: theme.muted,
        }));
        series.push(Series {
            points: &points,
            style: theme.chart_live,
        });
        // Blank cells share the live line's colour: a redraw after the chart moves then
        // writes the changed dots without a colour change between each of them.
        Plot {
            x: [-window, 0.0],
            y: [0.0, top],
            labels: [
                Span::styled("0", theme.muted),
                Span::styled(format!("{top:.0}%"), theme.muted),
            ],
            series: &series,
            style: theme.chart_live,
        }
        .render(plot, buf);
    }
    if marks_h > 0 {
        let rect = Rect::new(inner.x, plot.bottom(), inner.width, 1);
        let text = format::fit(&marks.join("  "), usize::from(inner.width)).into_owned();
        text::line(buf, rect, &Line::from(Span::styled(text, theme.muted)));
    }
}

/// A line down the left of `area` and `title` on its top row, as a `Block` with a left
/// border and a title draws them (without restyling every cell of the area); returns the
/// area inside.
fn left_border(buf: &mut Buffer, area: Rect, title: &Line, style: Style) -> Rect {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return area;
    }
    for y in area.top()..area.bottom() {
        buf[(area.x, y)]
            .set_symbol(ratatui::symbols::line::VERTICAL)
            .set_style(style);
    }
    let width = (area.width - 1).min(u16::try_from(title.width()).unwrap_or(u16::MAX));
    title.render(Rect::new(area.x + 1, area.y, width, 1), buf);
    Rect::new(area.x + 1, area.y + 1, area.width - 1, area.height - 1)
}

/// `↑deploy v42 6m`, newest first, for the marks within the window.
fn marks(state: &State, window: f64) -> Vec<String> {
    let since = state.now - chrono::Duration::seconds(window as i64);
    state
        .view
        .live_history
        .since(since)
        .map(|c| {
            let symbol = match c.cause {
                LiveCause::Deploy | LiveCause::Redeploy => "↑",
                LiveCause::Rollback => "↶",
                LiveCause::Promote => "⇡",
            };
            format!(
                " {symbol}{} {} {}",
                c.cause.as_str(),
                state.view.list.label_of(&c.deployment),
                format::age(state.now, c.at)
            )
        })
        .collect()
}

/// The right edge of the plot: `now` rounded up to the next whole minute. Between two
/// minutes each completed bucket adds its dots at the right and nothing else moves; the plot
/// steps left once a minute. Over a slow link a new bucket then costs a few cells, not a
/// repaint of every dot in the chart.
fn aligned_end(state: &State) -> crate::domain::Timestamp {
    const STEP_SECS: i64 = 60;
    let now = state.now.timestamp();
    let end = now - now.rem_euclid(STEP_SECS) + STEP_SECS;
    chrono::DateTime::from_timestamp(end, 0).unwrap_or(state.now)
}
