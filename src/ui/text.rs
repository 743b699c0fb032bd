//! Text written straight into the buffer: the cells ratatui's `Paragraph` writes for
//! unwrapped, left-aligned lines, without its per-line allocations, and with a fast path for
//! ASCII (one cell per byte, no grapheme segmentation or width lookup).
//!
//! Every string drawn passes the sanitizer on its way into a cell ([`crate::text::clusters`]):
//! control and bidi characters show as their stand-ins, clusters whose width terminals
//! dispute as theirs, and each cell gets the width every terminal agrees on. For text that is
//! already clean the result is the same as `Paragraph::new(lines).render(area, buf)`: each
//! cell's style is patched with the line's style, then the span's; a line stops at the first
//! cluster that does not fit.

use crate::text::{clusters, settle};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Patches `style` onto every cell of `area`, as `Buffer::set_style` does, a row at a time.
pub fn patch(buf: &mut Buffer, area: Rect, style: Style) {
    let area = area.intersection(buf.area);
    if area.is_empty() || style == Style::default() {
        return;
    }
    for y in area.top()..area.bottom() {
        let start = buf.index_of(area.x, y);
        for cell in &mut buf.content[start..start + usize::from(area.width)] {
            cell.set_style(style);
        }
    }
}

/// Writes `lines` into `area`, one per row from the top, as an unwrapped `Paragraph` would.
pub fn lines(buf: &mut Buffer, area: Rect, lines: &[Line]) {
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        self::line(
            buf,
            Rect {
                y,
                height: 1,
                ..area
            },
            line,
        );
    }
}

/// Writes `line` on the top row of `area`, cut at its width; returns the columns used.
pub fn line(buf: &mut Buffer, area: Rect, line: &Line) -> u16 {
    let mut pen = Pen::new(buf, area, line.style);
    for span in &line.spans {
        pen.put(&span.content, span.style);
    }
    pen.used()
}

/// Writes spans one after the other along one row, each patched onto the line's style.
pub struct Pen<'b> {
    buf: &'b mut Buffer,
    /// Index in the buffer of the row's first cell.
    start: usize,
    width: u16,
    used: u16,
    line_style: Style,
    /// A character did not fit: the rest of the line is not drawn.
    cut: bool,
}

impl<'b> Pen<'b> {
    /// A pen at the left of the top row of `area` (clipped to the buffer).
    pub fn new(buf: &'b mut Buffer, area: Rect, line_style: Style) -> Self {
        let area = area.intersection(buf.area);
        let (start, width) = if area.is_empty() {
            (0, 0)
        } else {
            (buf.index_of(area.x, area.y), area.width)
        };
        Self {
            buf,
            start,
            width,
            used: 0,
            line_style: Style::default().patch(line_style),
            cut: width == 0,
        }
    }

    /// The columns written so far.
    pub fn used(&self) -> u16 {
        self.used
    }

    /// Writes `text` in `style` (patched onto the line's style).
    pub fn put(&mut self, text: &str, style: Style) -> &mut Self {
        if self.cut {
            return self;
        }
        let style = self.line_style.patch(style);
        if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            self.put_ascii(text, style);
        } else if text.chars().all(stands_alone) {
            self.put_chars(text, style);
        } else {
            self.put_graphemes(text, style);
        }
        self
    }

    /// Writes `count` spaces in `style`.
    pub fn spaces(&mut self, count: usize, style: Style) -> &mut Self {
        const BLANK: &str = "                                ";
        let mut left = count;
        while left > 0 && !self.cut {
            let n = left.min(BLANK.len());
            self.put(&BLANK[..n], style);
            left -= n;
        }
        self
    }

    fn put_ascii(&mut self, text: &str, style: Style) {
        let start = self.start + usize::from(self.used);
        let room = usize::from(self.width - self.used);
        let mut cells = self.buf.content[start..start + room].iter_mut();
        for (i, byte) in text.bytes().enumerate() {
            let Some(cell) = cells.next() else {
                self.cut = true;
                return;
            };
            // A blank cell already shows a space (the buffer treats both alike).
            if byte != b' ' || cell.symbol() != " " {
                cell.set_symbol(&text[i..=i]);
            }
            cell.set_style(style);
            self.used += 1;
        }
    }

    /// Text whose characters are each a grapheme of their own: one cell (or two) per char.
    fn put_chars(&mut self, text: &str, style: Style) {
        for (i, c) in text.char_indices() {
            let (symbol, width) = settle(&text[i..i + c.len_utf8()]);
            if !self.put_symbol(&symbol, width, style) {
                return;
            }
        }
    }

    fn put_graphemes(&mut self, text: &str, style: Style) {
        for d in clusters(text) {
            let fits = if d.is_itself() {
                self.put_symbol(d.raw, d.width, style)
            } else {
                // A stand-in may be several clusters (`FR` for a flag): a cell each.
                d.text
                    .graphemes(true)
                    .all(|g| self.put_symbol(g, g.width(), style))
            };
            if !fits {
                return;
            }
        }
    }

    /// Writes one clean grapheme of `width` columns; `false` when it does not fit and the
    /// line ends here.
    fn put_symbol(&mut self, symbol: &str, width: usize, style: Style) -> bool {
        let width = u16::try_from(width).unwrap_or(u16::MAX);
        // As ratatui's truncator: a character wider than the whole line is skipped, one
        // that does not fit in what is left ends the line.
        if width > self.width {
            return true;
        }
        if self.used + width > self.width {
            self.cut = true;
            return false;
        }
        if width > 0 {
            self.buf.content[self.start + usize::from(self.used)]
                .set_symbol(symbol)
                .set_style(style);
            self.used += width;
        }
        true
    }
}

/// Whether `c` is always a grapheme of its own, whatever its neighbours: not a combining
/// mark, joiner, prepended mark, regional indicator or Hangul jamo. Covers Latin, general
/// punctuation, arrows, box drawing, shapes, symbols and braille, which is what the screen
/// draws besides ASCII.
fn stands_alone(c: char) -> bool {
    matches!(c, '\0'..='\u{2ff}' | '\u{2010}'..='\u{20cf}' | '\u{2100}'..='\u{2bff}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;
    use ratatui::widgets::{Paragraph, Widget};

    /// `line` as the sanitizer draws it, for ratatui to draw the same.
    fn cleaned(line: &Line) -> Line<'static> {
        Line::from(
            line.spans
                .iter()
                .map(|s| Span::styled(crate::text::clean(&s.content).into_owned(), s.style))
                .collect::<Vec<_>>(),
        )
        .style(line.style)
    }

    /// A buffer with some styling already in place, as the screen has under a panel.
    fn canvas() -> Buffer {
        let area = Rect::new(0, 0, 14, 4);
        let mut buf = Buffer::empty(area);
        buf.set_style(
            area,
            Style::new().fg(Color::Gray).add_modifier(Modifier::DIM),
        );
        buf.set_string(0, 3, "under the text", Style::new().bg(Color::Blue));
        buf
    }

    fn samples() -> Vec<Line<'static>> {
        vec![
            Line::from(vec![
                Span::styled("▶", Style::new().bold()),
                Span::styled(" v42 ", Style::new().green().not_dim()),
                Span::raw("ok\tnow"),
            ])
            .style(Style::new().on_dark_gray()),
            Line::from("a line that is longer than the area"),
            Line::from(vec![
                Span::raw("日本語"),
                Span::styled("e\u{301}x", Style::new().red()),
                Span::raw("中文字が"),
            ]),
            Line::from(vec![Span::raw("12345678901234"), Span::raw("5")]),
            Line::from("a\u{200b}b ⚠ c ↶ d ✗ e"),
            Line::from("abcdefghijkl日"),
        ]
    }

    #[test]
    fn lines_write_the_cells_a_paragraph_writes() {
        for line in samples() {
            for width in [0, 1, 2, 5, 13, 14] {
                let area = Rect::new(0, 1, width, 2);
                let mut expected = canvas();
                Paragraph::new(cleaned(&line)).render(area, &mut expected);
                let mut got = canvas();
                lines(&mut got, area, std::slice::from_ref(&line));
                assert_eq!(got, expected, "{line:?} in {width} columns");
            }
        }
    }

    #[test]
    fn characters_that_stand_alone_are_drawn_as_graphemes_are() {
        let ranges = [
            '\0'..='\u{2ff}',
            '\u{2010}'..='\u{20cf}',
            '\u{2100}'..='\u{2bff}',
        ];
        let mut checked = 0;
        for c in ranges.into_iter().flatten() {
            assert!(stands_alone(c));
            // Neighbours on both sides, the character twice (joiners, prepended marks and
            // pairs would join), and a mark that would need the slow path at the end.
            let text = format!("a{c}{c}─{c}b");
            let fast = Line::from(text.clone());
            let mut expected = canvas();
            let area = Rect::new(0, 1, 9, 1);
            Paragraph::new(cleaned(&fast)).render(area, &mut expected);
            let mut got = canvas();
            line(&mut got, area, &fast);
            assert_eq!(got, expected, "U+{:04X}", u32::from(c));
            checked += 1;
        }
        assert!(checked > 3_000);
        assert!(!stands_alone('\u{301}') && !stands_alone('\u{200d}'));
    }

    #[test]
    fn lines_past_the_area_are_not_drawn() {
        let all = samples();
        let area = Rect::new(0, 1, 14, 2);
        let mut expected = canvas();
        Paragraph::new(all.iter().map(cleaned).collect::<Vec<_>>()).render(area, &mut expected);
        let mut got = canvas();
        lines(&mut got, area, &all);
        assert_eq!(got, expected);
    }

    #[test]
    fn the_pen_reports_what_it_used_and_stops_at_the_edge() {
        let mut buf = canvas();
        let mut pen = Pen::new(&mut buf, Rect::new(2, 0, 8, 1), Style::default());
        pen.put("ab", Style::new()).put("日本", Style::new());
        assert_eq!(pen.used(), 6);
        pen.spaces(1, Style::new())
            .put("日", Style::new())
            .put("x", Style::new());
        assert_eq!(
            pen.used(),
            7,
            "the wide character does not fit; nothing after it"
        );
        assert_eq!(buf[(9, 0)].symbol(), " ");
        assert_eq!(buf[(2, 0)].symbol(), "a");
    }

    #[test]
    fn platform_text_is_drawn_inert_and_in_agreed_widths() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 1));
        let hostile = Line::from("a\u{1b}[2J\u{9b}👨\u{200d}👩🇫🇷\u{202e}z");
        line(&mut buf, Rect::new(0, 0, 12, 1), &hostile);
        let drawn: String = (0..12).map(|x| buf[(x, 0)].symbol()).collect();
        assert_eq!(drawn, "a␛[2J\u{2426}👨 FR\u{2426}z");
    }

    #[test]
    fn patch_matches_set_style() {
        let style = Style::new().yellow().on_black().bold().not_dim();
        let area = Rect::new(3, 1, 20, 2);
        let mut expected = canvas();
        expected.set_style(area, style);
        let mut got = canvas();
        patch(&mut got, area, style);
        assert_eq!(got, expected);
    }
}
