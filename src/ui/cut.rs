//! Styled lines made to fit: cut with `…` (never silently), or wrapped with the
//! continuation lines under the value, not under the name.

use crate::text::{self, clusters};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// The most rows a wrapped line may take: past these, the text is cut.
const MAX_WRAPPED_ROWS: usize = 64;

/// The columns `line` takes once drawn (its spans as the sanitizer draws them).
pub fn width(line: &Line<'_>) -> usize {
    line.spans.iter().map(|s| text::width(&s.content)).sum()
}

/// `line` within `width` columns, as drawn; a line that does not fit ends in `…`.
pub fn fit(line: Line<'_>, width: usize) -> Line<'static> {
    let style = line.style;
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in &line.spans {
        let head = text::head(&span.content, width - used);
        used += head.width;
        spans.push(Span::styled(head.text.into_owned(), span.style));
        if !head.whole {
            return cut(&line, width, style);
        }
    }
    Line::from(spans).style(style)
}

/// `line` cut to `width - 1` columns and ended with `…` in the style of the span it cut.
fn cut(line: &Line<'_>, width: usize, style: Style) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    if width == 0 {
        return Line::from(spans).style(style);
    }
    let mut room = width - 1;
    let mut last_style = Style::default();
    for span in &line.spans {
        let head = text::head(&span.content, room);
        room -= head.width;
        last_style = span.style;
        spans.push(Span::styled(head.text.into_owned(), span.style));
        if !head.whole {
            break;
        }
    }
    spans.push(Span::styled("…", last_style));
    Line::from(spans).style(style)
}

/// `line` wrapped to `width` columns, breaking at spaces where it can; every line after
/// the first starts with `indent` spaces, so a wrapped value stays in its column. Text past
/// [`MAX_WRAPPED_ROWS`] rows is cut.
pub fn wrap(line: Line<'_>, width: usize, indent: usize) -> Vec<Line<'static>> {
    if self::width(&line) <= width || width <= indent + 4 {
        return vec![fit(line, width)];
    }
    let style = line.style;
    let line = fit(line, width.saturating_mul(MAX_WRAPPED_ROWS));
    // The line as styled clusters, so a break can fall between any two.
    let cells: Vec<(&str, usize, Style)> = line
        .spans
        .iter()
        .flat_map(|s| clusters(&s.content).map(move |d| (d.raw, d.width, s.style)))
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
            let w = cells[end].1;
            if used + w > room {
                break;
            }
            used += w;
            end += 1;
        }
        if end < cells.len()
            && let Some(space) = (start + 1..end).rev().find(|&i| cells[i].0 == " ")
        {
            end = space + 1;
        }
        let end = end.max(start + 1);
        let mut spans: Vec<Span<'static>> = Vec::new();
        if !first {
            spans.push(Span::raw(" ".repeat(indent)));
        }
        for (c, _, s) in &cells[start..end] {
            match spans.last_mut() {
                Some(last) if last.style == *s => {
                    last.content.to_mut().push_str(c);
                }
                _ => spans.push(Span::styled(c.to_string(), *s)),
            }
        }
        lines.push(Line::from(spans).style(style));
        // The space a line broke at is not carried to the next one.
        start = end;
        if start < cells.len() && cells[start].0 == " " {
            start += 1;
        }
        first = false;
    }
    lines
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

    proptest::proptest! {
        #[test]
        fn cut_and_wrapped_lines_stay_within_their_width(
            name in crate::text::props::text(),
            value in crate::text::props::text(),
            budget in 0usize..40,
        ) {
            let line = || Line::from(vec![Span::raw(name.clone()), Span::raw(value.clone())]);
            let cut = fit(line(), budget);
            proptest::prop_assert!(width(&cut) <= budget);
            proptest::prop_assert!(cut.width() <= budget, "{cut:?}");
            for l in wrap(line(), budget, 4) {
                proptest::prop_assert!(width(&l) <= budget, "{l:?}");
                proptest::prop_assert!(!text(&l).chars().any(crate::text::is_unsafe));
            }
        }
    }
}
