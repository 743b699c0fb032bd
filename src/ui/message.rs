//! Laying out a message on the bottom line: at most a few rows, the verdict first, the next
//! step (`redeploy it with d`, `nothing was done`, `l for details`) always whole.

use crate::text::{self, clusters};

fn width(text: &str) -> usize {
    text::width(text)
}

/// `verdict` then `keep` in at most `rows` lines of at most `width` columns. When the
/// whole does not fit, the end of the verdict gives way (cut with `…`): its first clause
/// comes first and goes last, and `keep` stays whole at the end of the last line unless it
/// alone is wider than a line.
pub fn fit(verdict: &str, keep: &str, width: usize, rows: usize) -> Vec<String> {
    if width == 0 || rows == 0 {
        return Vec::new();
    }
    // As drawn, and no longer than all the rows can show.
    let room = width.saturating_mul(rows);
    let verdict = &*text::fit(verdict, room);
    let keep = &*text::fit(keep, room);
    let whole = format!("{verdict}{keep}");
    if let Some(lines) = words(verdict, keep, width, rows) {
        return lines;
    }
    let keep_w = self::width(keep);
    if keep_w + 1 >= width {
        return chars(&cut(&whole, width * rows), width, rows);
    }
    // Every line but the last takes the verdict's start; the last its next part and `keep`.
    let mut lines = Vec::new();
    let mut rest = verdict;
    while lines.len() + 1 < rows && !rest.is_empty() {
        let (line, after) = take_line(rest, width);
        lines.push(line.to_owned());
        rest = after;
    }
    let room = width - keep_w;
    lines.push(format!("{}{keep}", cut(rest.trim_start(), room)));
    lines
}

/// The longest start of `text` that fits in `width` columns, broken after a space when one
/// falls in it; and what is left.
fn take_line(text: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    let mut end = text.len();
    for d in clusters(text) {
        if used + d.width > width {
            end = d.at;
            break;
        }
        used += d.width;
    }
    if end < text.len()
        && let Some(space) = text[..end].rfind(' ')
        && space > 0
    {
        end = space + 1;
    }
    text.split_at(end)
}

/// `text` cut to `room` columns, ending in `…` when cut.
fn cut(text: &str, room: usize) -> String {
    text::fit(text, room).into_owned()
}

/// Wrapped at spaces, the words in order and whole, `keep` glued to the verdict's last word
/// so it is never broken; `None` when a word is wider than a line or more than `rows` lines
/// are needed. A line keeps the space it broke at, so the lines joined give the text back.
fn words(verdict: &str, keep: &str, width: usize, rows: usize) -> Option<Vec<String>> {
    let mut tokens: Vec<String> = verdict.split_inclusive(' ').map(str::to_owned).collect();
    match tokens.last_mut() {
        Some(last) => last.push_str(keep),
        None => tokens.push(keep.to_owned()),
    }
    let mut lines: Vec<String> = vec![String::new()];
    let mut used = 0;
    for word in &tokens {
        let w = self::width(word);
        let bare = self::width(word.trim_end_matches(' '));
        if used + bare > width {
            if bare > width {
                return None;
            }
            lines.push(String::new());
            used = 0;
        }
        let line = lines.last_mut().expect("one line at least");
        line.push_str(word);
        used += w;
        if lines.len() > rows {
            return None;
        }
    }
    // Trailing spaces past the edge are not drawn.
    for line in &mut lines {
        while self::width(line) > width && line.ends_with(' ') {
            line.pop();
        }
    }
    Some(lines)
}

/// Cut into lines of `width` columns, character by character.
fn chars(text: &str, width: usize, rows: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for d in clusters(text) {
        // A cluster wider than a whole line cannot be drawn: it is left out.
        if d.width > width {
            continue;
        }
        if used + d.width > width {
            if lines.len() == rows {
                break;
            }
            lines.push(String::new());
            used = 0;
        }
        lines
            .last_mut()
            .expect("one line at least")
            .push_str(&d.text);
        used += d.width;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_message_is_one_line() {
        assert_eq!(
            fit("v37 pruned by retention", ": redeploy it with d", 80, 2),
            vec!["v37 pruned by retention: redeploy it with d"]
        );
    }

    #[test]
    fn a_long_verdict_gives_way_to_the_next_step() {
        let verdict = format!(
            "cannot roll back to v37: {}",
            "the artifact was pruned ".repeat(10)
        );
        let lines = fit(&verdict, ": redeploy it with d", 40, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("cannot roll back to v37"), "{lines:?}");
        assert!(lines[1].ends_with("…: redeploy it with d"), "{lines:?}");
        assert!(lines.iter().all(|l| width(l) <= 40), "{lines:?}");
    }

    proptest::proptest! {
        #[test]
        fn messages_fit_their_rows_and_keep_the_next_step(
            verdict in crate::text::props::text(),
            keep in proptest::sample::select(vec!["", ": redeploy it with d", ": l for details"]),
            width in 1usize..60,
            rows in 1usize..4,
        ) {
            let lines = fit(&verdict, keep, width, rows);
            proptest::prop_assert!(lines.len() <= rows);
            for line in &lines {
                proptest::prop_assert!(self::width(line) <= width, "{lines:?} in {width}");
                proptest::prop_assert!(!line.chars().any(crate::text::is_unsafe));
            }
            if self::width(keep) + 1 < width {
                proptest::prop_assert!(lines.last().is_some_and(|l| l.ends_with(keep)), "{lines:?}");
            }
        }
    }
}
