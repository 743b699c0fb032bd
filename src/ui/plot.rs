//! A line plot in braille dots (2x4 per cell) with a y axis labelled at the bottom and the
//! top, drawn straight into the buffer: the cells ratatui's `Chart` draws for line datasets
//! with a braille marker, without its canvas layers (one grid of dots for all the series).
//!
//! As in the `Chart`, each series is drawn over the ones before it: a cell where a later
//! series has dots shows only that series' dots, in its colour.

use line_clipping::{LineSegment, Point, Window, cohen_sutherland};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::braille::BRAILLE;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Points joined by straight lines, in one colour (the style's foreground).
pub struct Series<'a> {
    pub points: &'a [(f64, f64)],
    pub style: Style,
}

/// The plot: x and y bounds, the labels for the bottom and top of the y axis, the series in
/// drawing order.
pub struct Plot<'a> {
    pub x: [f64; 2],
    pub y: [f64; 2],
    pub labels: [Span<'a>; 2],
    pub series: &'a [Series<'a>],
    /// Every cell of the area: blank dots take this colour too.
    pub style: Style,
}

impl Plot<'_> {
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let label_width = self
            .labels
            .iter()
            .map(Span::width)
            .max()
            .unwrap_or_default() as u16;
        let mut left = area.left() + label_width.min(area.width / 3);
        let axis = (left + 1 < area.right()).then_some(left);
        left += u16::from(axis.is_some());
        let graph = Rect::new(left, area.top(), area.right() - left, area.height);
        // The whole area takes the plot's style; the graph its background colour on top.
        let background = Style::default().bg(self.style.bg.unwrap_or(Color::Reset));
        let labels = Rect {
            width: graph.left() - area.left(),
            ..area
        };
        super::text::patch(buf, labels, self.style);
        super::text::patch(buf, graph, self.style.patch(background));
        for (i, label) in self.labels.iter().enumerate() {
            let dy = i as u16 * (graph.height - 1);
            let rect = Rect::new(
                area.left(),
                graph.bottom() - 1 - dy,
                (graph.left() - area.left()).saturating_sub(1),
                1,
            );
            Line::from(label.clone()).render(rect, buf);
        }
        if let Some(x) = axis {
            for y in graph.top()..graph.bottom() {
                buf[(x, y)].set_symbol(ratatui::symbols::line::VERTICAL);
            }
        }
        let mut dots = Dots::new(graph.width, graph.height, self.x, self.y);
        for series in self.series {
            dots.series(series);
        }
        dots.render(graph, buf);
    }
}

#[derive(Clone, Copy, Default)]
struct DotCell {
    pattern: u8,
    color: Color,
    /// The series (counted from 1) whose dots these are; 0 when blank.
    series: u16,
}

/// The braille grid: `2 * width` by `4 * height` dots.
struct Dots {
    width: usize,
    cells: Vec<DotCell>,
    x: [f64; 2],
    y: [f64; 2],
    resolution: (f64, f64),
    current: u16,
    color: Color,
}

impl Dots {
    fn new(width: u16, height: u16, x: [f64; 2], y: [f64; 2]) -> Self {
        let width = usize::from(width);
        Self {
            width,
            cells: vec![DotCell::default(); width * usize::from(height)],
            x,
            y,
            resolution: (f64::from(width as u16) * 2.0, f64::from(height) * 4.0),
            current: 0,
            color: Color::Reset,
        }
    }

    /// The dot for a point of the plane; `None` outside the bounds.
    fn dot(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let ([left, right], [bottom, top]) = (self.x, self.y);
        if x < left || x > right || y < bottom || y > top {
            return None;
        }
        let (width, height) = (right - left, top - bottom);
        if width <= 0.0 || height <= 0.0 {
            return None;
        }
        let column = ((x - left) * (self.resolution.0 - 1.0) / width).round() as usize;
        let row = ((top - y) * (self.resolution.1 - 1.0) / height).round() as usize;
        Some((column, row))
    }

    fn paint(&mut self, column: usize, row: usize) {
        let index = (row / 4) * self.width + column / 2;
        let Some(cell) = self.cells.get_mut(index) else {
            return;
        };
        if cell.series != self.current {
            // A later series covers what the earlier ones left in this cell.
            *cell = DotCell {
                series: self.current,
                ..DotCell::default()
            };
        }
        cell.pattern |= 1 << (column % 2 + 2 * (row % 4));
        cell.color = self.color;
    }

    /// The points of `series`, then the lines between them.
    fn series(&mut self, series: &Series) {
        self.current += 1;
        self.color = series.style.fg.unwrap_or(Color::Reset);
        for &(x, y) in series.points {
            if let Some((column, row)) = self.dot(x, y) {
                self.paint(column, row);
            }
        }
        for pair in series.points.windows(2) {
            self.line(pair[0], pair[1]);
        }
    }

    fn line(&mut self, from: (f64, f64), to: (f64, f64)) {
        let window = Window::new(self.x[0], self.x[1], self.y[0], self.y[1]);
        let segment = LineSegment::new(Point::new(from.0, from.1), Point::new(to.0, to.1));
        let Some(clipped) = cohen_sutherland::clip_line(segment, window) else {
            return;
        };
        let (Some(a), Some(b)) = (
            self.dot(clipped.p1.x, clipped.p1.y),
            self.dot(clipped.p2.x, clipped.p2.y),
        ) else {
            return;
        };
        bresenham(a, b, |column, row| self.paint(column, row));
    }

    fn render(&self, area: Rect, buf: &mut Buffer) {
        for (y, row) in (area.top()..area.bottom()).zip(self.cells.chunks(self.width)) {
            let start = buf.index_of(area.left(), y);
            let cells = &mut buf.content[start..start + self.width];
            for (cell, dots) in cells.iter_mut().zip(row) {
                if dots.pattern != 0 {
                    cell.set_char(BRAILLE[usize::from(dots.pattern)]);
                    cell.set_fg(dots.color);
                }
            }
        }
    }
}

/// The dots of the straight line from `a` to `b`, ends included (Bresenham: one dot per step
/// along the longer axis, the other coordinate moving when the error passes half a dot).
fn bresenham(a: (usize, usize), b: (usize, usize), mut dot: impl FnMut(usize, usize)) {
    let (dx, dy) = (a.0.abs_diff(b.0), a.1.abs_diff(b.1));
    if dx == 0 {
        (a.1.min(b.1)..=a.1.max(b.1)).for_each(|y| dot(a.0, y));
    } else if dy == 0 {
        (a.0.min(b.0)..=a.0.max(b.0)).for_each(|x| dot(x, a.1));
    } else if dy < dx {
        // Mostly horizontal: walk x from the left end.
        let (start, end) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        let down = end.1 > start.1;
        let (dx, dy) = (dx as isize, dy as isize);
        let mut error = 2 * dy - dx;
        let mut y = start.1;
        for x in start.0..=end.0 {
            dot(x, y);
            if error > 0 {
                y = if down { y + 1 } else { y.saturating_sub(1) };
                error -= 2 * dx;
            }
            error += 2 * dy;
        }
    } else {
        // Mostly vertical: walk y from the top end.
        let (start, end) = if a.1 <= b.1 { (a, b) } else { (b, a) };
        let right = end.0 > start.0;
        let (dx, dy) = (dx as isize, dy as isize);
        let mut error = 2 * dx - dy;
        let mut x = start.0;
        for y in start.1..=end.1 {
            dot(x, y);
            if error > 0 {
                x = if right { x + 1 } else { x.saturating_sub(1) };
                error -= 2 * dy;
            }
            error += 2 * dx;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

    /// The same plot through ratatui's `Chart`.
    fn chart(plot: &Plot, area: Rect, buf: &mut Buffer) {
        let datasets = plot
            .series
            .iter()
            .map(|s| {
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(s.style)
                    .data(s.points)
            })
            .collect();
        Chart::new(datasets)
            .style(plot.style)
            .x_axis(Axis::default().bounds(plot.x))
            .y_axis(Axis::default().bounds(plot.y).labels(plot.labels.clone()))
            .render(area, buf);
    }

    fn screen() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 14));
        buf.set_style(buf.area, Style::new().fg(Color::Gray));
        buf
    }

    #[test]
    fn draws_the_cells_a_braille_line_chart_draws() {
        let threshold = [(-900.0, 2.0), (0.0, 2.0)];
        let mark = [(-300.0, 0.0), (-300.0, 8.0)];
        let late_mark = [(10.0, 0.0), (10.0, 8.0)];
        let live: Vec<(f64, f64)> = (0..60)
            .map(|i| {
                (
                    -900.0 + 15.0 * f64::from(i),
                    (f64::from(i) * 0.7).sin().abs() * 8.0,
                )
            })
            .chain([(30.0, 4.0)])
            .collect();
        let styles = [
            Style::new().fg(Color::Red),
            Style::new().add_modifier(Modifier::BOLD),
            Style::new().fg(Color::Green).bg(Color::Black),
        ];
        for style in styles {
            let series = [
                Series {
                    points: &threshold,
                    style: Style::new().fg(Color::Yellow),
                },
                Series {
                    points: &mark,
                    style: Style::new().fg(Color::DarkGray),
                },
                Series {
                    points: &late_mark,
                    style: Style::new(),
                },
                Series {
                    points: &live,
                    style,
                },
            ];
            let plot = Plot {
                x: [-900.0, 0.0],
                y: [0.0, 8.0],
                labels: [
                    Span::styled("0", Style::new().fg(Color::DarkGray)),
                    Span::raw("8%"),
                ],
                series: &series,
                style,
            };
            for area in [
                Rect::new(2, 1, 36, 12),
                Rect::new(0, 0, 40, 14),
                Rect::new(5, 5, 7, 2),
                Rect::new(5, 5, 3, 1),
            ] {
                let mut expected = screen();
                chart(&plot, area, &mut expected);
                let mut got = screen();
                plot.render(area, &mut got);
                assert_eq!(got, expected, "{area:?} {style:?}");
            }
        }
    }

    #[test]
    fn a_later_series_covers_an_earlier_one_cell_by_cell() {
        let flat = [(0.0, 1.0), (10.0, 1.0)];
        let upright = [(5.0, 0.0), (5.0, 4.0)];
        let series = [
            Series {
                points: &flat,
                style: Style::new().fg(Color::Yellow),
            },
            Series {
                points: &upright,
                style: Style::new().fg(Color::Red),
            },
        ];
        let plot = Plot {
            x: [0.0, 10.0],
            y: [0.0, 4.0],
            labels: [Span::raw("0"), Span::raw("4")],
            series: &series,
            style: Style::new(),
        };
        let mut buf = screen();
        plot.render(Rect::new(0, 0, 13, 2), &mut buf);
        // The graph starts after the label and the axis; the upright line is in the right dots
        // of column 7, which the flat line crosses.
        let crossing = &buf[(7, 1)];
        assert_eq!(crossing.fg, Color::Red);
        assert_eq!(
            crossing.symbol(),
            "⢸",
            "only the upright line's dots, no flat one's"
        );
        assert_eq!(buf[(6, 1)].fg, Color::Yellow);
        assert_eq!(buf[(1, 0)].symbol(), "│");
    }
}
