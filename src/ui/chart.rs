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
    let mut numbers = vec![Span::raw(" ")];
    numbers.extend(super::figure::live(state, theme, true));
    let mut second = vec![Span::styled(
        format!(" ── {} threshold", format::percent(threshold)),
        theme.threshold,
    )];
    if let Some(target) = super::detail::target_rate(state) {
        second.push(Span::raw("  target "));
        match target {
            Ok(rate) => second.extend(super::figure::rate(Some(rate), threshold, theme)),
            Err(words) => second.push(Span::styled(words, theme.chart_target)),
        }
    }
    let width = usize::from(inner.width);
    let lines = vec![
        super::cut::fit(Line::from(numbers), width),
        super::cut::fit(Line::from(second), width),
    ];
    text::lines(buf, Rect { height: 2, ..inner }, &lines);
    let marks = marks(state, window);
    let marks_h = u16::from(!marks.is_empty()).min(inner.height.saturating_sub(3));
    // A time axis under the plot when there is room for it.
    let axis_h = u16::from(inner.height >= 8);
    let plot = Rect::new(
        inner.x,
        inner.y + 2,
        inner.width,
        inner.height - 2 - marks_h - axis_h,
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
        if axis_h > 0 {
            let label_w = 1 + format!("{:.0}%", points_top(&points, threshold)).len() as u16;
            time_axis(buf, plot, label_w, window, theme);
        }
        let top = points_top(&points, threshold);
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
        let rect = Rect::new(inner.x, plot.bottom() + axis_h, inner.width, 1);
        let text = format::fit(&marks.join("  "), usize::from(inner.width)).into_owned();
        text::line(buf, rect, &Line::from(Span::styled(text, theme.muted)));
    }
}

/// The top of the y axis: twice the threshold, the highest point, at least 1%.
fn points_top(points: &[(f64, f64)], threshold: f64) -> f64 {
    points
        .iter()
        .map(|p| p.1)
        .fold(threshold * 200.0, f64::max)
        .max(1.0)
}

/// `-15m      -10m       -5m       now` under the plot, aligned with its dots: the plot's
/// graph starts after the y labels (`label_w`, at most a third of the width) and the axis.
fn time_axis(buf: &mut Buffer, plot: Rect, label_w: u16, window: f64, theme: &Theme) {
    let left = plot.x + label_w.min(plot.width / 3) + 1;
    let graph_w = plot.right().saturating_sub(left);
    if graph_w < 16 {
        return;
    }
    let y = plot.bottom();
    let minutes = (window / 60.0).round() as i64;
    let mut row = vec![' '; usize::from(plot.width)];
    let mut put = |x: u16, text: &str| {
        let at = usize::from(x - plot.x);
        for (i, c) in text.chars().enumerate() {
            if let Some(cell) = row.get_mut(at + i) {
                *cell = c;
            }
        }
    };
    put(left, &format!("-{minutes}m"));
    for third in [1, 2] {
        let x = left + graph_w * third / 3;
        let label = format!("-{}m", minutes - minutes * i64::from(third) / 3);
        put(x.saturating_sub(label.len() as u16 / 2), &label);
    }
    put(plot.right() - 3, "now");
    let text: String = row.into_iter().collect();
    text::line(
        buf,
        Rect::new(plot.x, y, plot.width, 1),
        &Line::from(Span::styled(text, theme.muted)),
    );
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
    let width = (area.width - 1).min(u16::try_from(super::cut::width(title)).unwrap_or(u16::MAX));
    super::text::line(buf, Rect::new(area.x + 1, area.y, width, 1), title);
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
            let part = if c.scope.is_everything() {
                String::new()
            } else {
                format!(" ({})", c.scope.describe())
            };
            format!(
                " {symbol}{} {}{part} {}",
                c.cause.as_str(),
                state.label_of(&c.deployment),
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
