//! Styled lines made to fit: cut with `…` (never silently), or wrapped with the
//! continuation lines under the value, not under the name.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// `line` within `width` columns; a line that does not fit ends in `…`.
pub fn fit(line: Line<'_>, width: usize) -> Line<'static> {
    let style = line.style;
    if line.width() <= width {
        return owned(line);
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let mut last_style = Style::default();
    'spans: for span in &line.spans {
        let mut text = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                spans.push(Span::styled(text, span.style));
                last_style = span.style;
                break 'spans;
            }
            text.push(c);
            used += w;
        }
        last_style = span.style;
        spans.push(Span::styled(text, span.style));
    }
    if width > 0 {
        spans.push(Span::styled("…", last_style));
    }
    Line::from(spans).style(style)
}

/// `line` wrapped to `width` columns, breaking at spaces where it can; every line after
/// the first starts with `indent` spaces, so a wrapped value stays in its column.
pub fn wrap(line: Line<'_>, width: usize, indent: usize) -> Vec<Line<'static>> {
    if line.width() <= width || width <= indent + 4 {
        return vec![owned(line)];
    }
    let style = line.style;
    // The line as styled characters, so a break can fall anywhere.
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut first = true;
    while start < cells.len() {
        let room = if first { width } else { width - indent };
        // The longest run that fits, ended at a space when there is one in it.
        let mut used = 0;
        let mut end = start;
        while end < cells.len() {
            let w = cells[end].0.width().unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            end += 1;
        }
        if end < cells.len()
            && let Some(space) = (start + 1..end).rev().find(|&i| cells[i].0 == ' ')
        {
            end = space + 1;
        }
        let end = end.max(start + 1);
        let mut spans: Vec<Span<'static>> = Vec::new();
        if !first {
            spans.push(Span::raw(" ".repeat(indent)));
        }
        for (c, s) in &cells[start..end] {
            match spans.last_mut() {
                Some(last) if last.style == *s => {
                    last.content.to_mut().push(*c);
                }
                _ => spans.push(Span::styled(c.to_string(), *s)),
            }
        }
        lines.push(Line::from(spans).style(style));
        // The space a line broke at is not carried to the next one.
        start = end;
        if start < cells.len() && cells[start].0 == ' ' {
            start += 1;
        }
        first = false;
    }
    lines
}

fn owned(line: Line<'_>) -> Line<'static> {
    let style = line.style;
    Line::from(
        line.spans
            .into_iter()
            .map(|s| Span::styled(s.content.into_owned(), s.style))
            .collect::<Vec<_>>(),
    )
    .style(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_cut_line_ends_with_an_ellipsis() {
        let line = Line::from(vec![Span::raw(" name    "), Span::raw("a value too long")]);
        let cut = fit(line, 14);
        assert_eq!(text(&cut), " name    a va…");
        assert_eq!(cut.width(), 14);
        assert_eq!(text(&fit(Line::from("short"), 14)), "short");
    }

    #[test]
    fn wrapped_lines_keep_their_indent() {
        let line = Line::from(vec![
            Span::raw(" domains  "),
            Span::raw("shop.example.com www.shop.example.com api.example.com"),
        ]);
        let lines = wrap(line, 30, 10);
        assert!(lines.len() >= 2);
        for l in &lines[1..] {
            assert!(text(l).starts_with("          "), "{:?}", text(l));
            assert!(l.width() <= 30);
        }
        assert!(text(&lines[0]).starts_with(" domains  shop.example.com"));
    }
}
